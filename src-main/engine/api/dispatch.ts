/**
 * The single entry every transport calls: look the method up in the handler table, validate the
 * input against its schema, run the handler, and wrap the outcome in the response envelope.
 * Nothing thrown by a handler escapes: an unexpected error becomes `internal` with its message.
 */
import type { Api, ApiMethod, ApiResponse } from './contract';
import { ApiError } from './errors';
import { runAsCaller, type Caller } from './request-context';
import { schemas } from './schemas';

export type Handler<M extends ApiMethod> = (args: Api[M]['args']) => Promise<Api[M]['result']> | Api[M]['result'];
export type Handlers = { [M in ApiMethod]: Handler<M> };

export const isApiMethod = (name: unknown): name is ApiMethod => typeof name === 'string' && Object.hasOwn(schemas, name);

export type Logger = (message: string, error?: unknown) => void;

export function createDispatcher(handlers: Handlers, log: Logger) {
  /** `caller`: who is calling (a headless request's token); left out for the machine's owner. */
  return async function dispatch(method: unknown, rawArgs: unknown, caller?: Caller): Promise<ApiResponse<ApiMethod>> {
    if (!isApiMethod(method)) {
      const body = { code: 'unknown-method', message: `Unknown API method ${JSON.stringify(method)}.` } as const;
      return { ok: false, error: body };
    }
    const parsed = schemas[method].safeParse(rawArgs ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(input)', message: i.message }));
      const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      return { ok: false, error: { code: 'invalid-input', message: `Invalid input for ${method} — ${summary}`, issues } };
    }
    try {
      const handler = handlers[method] as Handler<ApiMethod>;
      const value = await runAsCaller(caller, () => handler(parsed.data as never));
      return { ok: true, value } as ApiResponse<ApiMethod>;
    } catch (error) {
      if (error instanceof ApiError) return { ok: false, error: error.toBody() };
      log(`${method} failed`, error);
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, error: { code: 'internal', message: `Concord could not complete ${method}: ${message}` } };
    }
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;
