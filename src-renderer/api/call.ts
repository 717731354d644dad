import type { ApiArgs, ApiErrorCode, ApiMethod, ApiResult, ConcordBridge } from '../../src-main/engine/api/contract';

export type ApiIssue = { path: string; message: string };

/**
 * The one error a screen receives from an API call. Every screen shows it (never swallowed):
 * `message` is the engine's words for the user, `issues` says which argument was wrong.
 */
export class ApiCallError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly method: ApiMethod,
    readonly issues: ApiIssue[] = [],
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

export type Call = <M extends ApiMethod>(method: M, args: ApiArgs<M>) => Promise<ApiResult<M>>;

/** A typed `call(method, args)` that unwraps the envelope and throws an `ApiCallError`. */
export function createCall(bridge: ConcordBridge): Call {
  return async function call<M extends ApiMethod>(method: M, args: ApiArgs<M>): Promise<ApiResult<M>> {
    let response;
    try {
      response = await bridge.invoke(method, args);
    } catch (cause) {
      // A transport that throws (instead of answering an envelope) means the engine is gone.
      const detail = cause instanceof Error ? cause.message : String(cause);
      throw new ApiCallError('unavailable', `Concord's engine did not answer (${detail}). Restart Concord and try again.`, method);
    }
    if (response.ok) return response.value;
    throw new ApiCallError(response.error.code, response.error.message, method, response.error.issues ?? []);
  };
}

/** Turns anything thrown into an ApiCallError, so screens have one shape to render. */
export function toCallError(error: unknown, method: ApiMethod): ApiCallError {
  if (error instanceof ApiCallError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiCallError('internal', message, method);
}
