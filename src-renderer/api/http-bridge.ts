import type { ApiArgs, ApiMethod, ApiResponse, ConcordBridge, EventName, Events } from '../../src-main/engine/api/contract';

export const UNAUTHORIZED_MESSAGE =
  'This browser has no access token. Open the address printed by `npm run serve` (it carries the access token).';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

/** A bridge that can also tell its user when the event stream came back (to refetch what was missed). */
export type BrowserBridge = ConcordBridge & {
  onReconnect(listener: () => void): () => void;
  onConnectionState(listener: (state: ConnectionState) => void): () => void;
};

export type HttpBridgeOptions = {
  /** Origin-relative by default; tests pass an absolute base such as http://127.0.0.1:5199. */
  baseUrl?: string;
  fetchImpl?: typeof fetch;
  openSocket?: (url: string) => WebSocket;
  /** Called on every 401: the session has no token cookie. */
  onUnauthorized?: () => void;
  /** Backoff for event-stream reconnects, in ms: min(maxDelay, baseDelay * 2^attempt). */
  baseDelayMs?: number;
  maxDelayMs?: number;
};

const KNOWN_EVENTS: ReadonlySet<string> = new Set<EventName>([
  'run/progress',
  'run/finished',
  'pairs/changed',
  'pairs/removed',
  'conflicts/changed',
  'conflicts/bulk-progress',
  'actions/notify',
  'actions/delivery',
]);

function isEnvelope(value: unknown): value is ApiResponse<ApiMethod> {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false;
  return value.ok === true ? 'value' in value : 'error' in value;
}

function eventsUrl(baseUrl: string): string {
  if (baseUrl) return `${baseUrl.replace(/^http/, 'ws')}/api/events`;
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/events`;
}

/**
 * The `ConcordBridge` over HTTP + WebSocket, for the UI served by `concord serve`.
 * Auth is a cookie set by the server when the user opened `/?token=…`; a 401 means it is missing.
 */
export function createHttpBridge(options: HttpBridgeOptions = {}): BrowserBridge {
  const baseUrl = options.baseUrl ?? '';
  const fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));
  const openSocket = options.openSocket ?? ((url: string) => new WebSocket(url));
  const baseDelay = options.baseDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 10_000;

  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const reconnectListeners = new Set<() => void>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  let socket: WebSocket | null = null;
  let attempt = 0;
  let everConnected = false;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;

  const setState = (state: ConnectionState): void => stateListeners.forEach((l) => l(state));

  function connect(): void {
    setState(everConnected ? 'reconnecting' : 'connecting');
    const ws = openSocket(eventsUrl(baseUrl));
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      setState('connected');
      // Events sent while the stream was down are lost: whoever listens refetches.
      if (everConnected) reconnectListeners.forEach((l) => l());
      everConnected = true;
    };
    ws.onmessage = (message: MessageEvent) => {
      if (typeof message.data !== 'string') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(message.data);
      } catch {
        return; // not ours; a malformed frame must not break the stream
      }
      if (typeof parsed !== 'object' || parsed === null || !('event' in parsed) || !('payload' in parsed)) return;
      const { event, payload } = parsed;
      if (typeof event !== 'string' || !KNOWN_EVENTS.has(event)) return;
      listeners.get(event)?.forEach((l) => l(payload));
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      scheduleReconnect();
    };
    ws.onerror = () => ws.close();
  }

  function scheduleReconnect(): void {
    if (retryTimer !== null || listenerCount() === 0) return;
    setState('reconnecting');
    const delay = Math.min(maxDelay, baseDelay * 2 ** attempt);
    attempt += 1;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect();
    }, delay);
  }

  const listenerCount = (): number => [...listeners.values()].reduce((n, set) => n + set.size, 0) + reconnectListeners.size;

  function ensureSocket(): void {
    if (socket === null && retryTimer === null) connect();
  }

  return {
    async invoke<M extends ApiMethod>(method: M, args: ApiArgs<M>): Promise<ApiResponse<M>> {
      let response: Response;
      try {
        response = await fetchImpl(`${baseUrl}/api/invoke/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          credentials: 'same-origin',
          body: JSON.stringify(args),
        });
      } catch {
        return {
          ok: false,
          error: { code: 'unavailable', message: 'Cannot reach the Concord server. Is `npm run serve` still running? Start it again and reload this page.' },
        };
      }
      if (response.status === 401) {
        options.onUnauthorized?.();
        return { ok: false, error: { code: 'unauthorized', message: UNAUTHORIZED_MESSAGE } };
      }
      let body: unknown = null;
      try {
        body = await response.json();
      } catch {
        body = null;
      }
      // The server's envelope is typed by the method it answers: the same contract on both ends.
      if (isEnvelope(body)) return body satisfies ApiResponse<ApiMethod> as ApiResponse<M>;
      return {
        ok: false,
        error: { code: 'internal', message: `The server answered ${response.status} without a Concord reply. Check the server's log.` },
      };
    },

    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
      // Payloads come from our own server, which relays the engine's typed events unchanged.
      const wrapped = (payload: unknown): void => listener(payload as Events[E]);
      const set = listeners.get(event) ?? new Set();
      set.add(wrapped);
      listeners.set(event, set);
      ensureSocket();
      return () => set.delete(wrapped);
    },

    onReconnect(listener: () => void): () => void {
      reconnectListeners.add(listener);
      ensureSocket();
      return () => reconnectListeners.delete(listener);
    },

    onConnectionState(listener: (state: ConnectionState) => void): () => void {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
  };
}
