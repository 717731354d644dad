/**
 * Limits for clients that open connections and send slowly or not at all (a slowloris): both of
 * Concord's HTTP servers (the headless UI's and the webhook receiver) may face the network.
 * - headers must arrive within `headersTimeoutMs`, and the whole request within `requestTimeoutMs`
 *   (Node answers 408 and closes); what the server then takes to answer is not limited here (a
 *   synchronous webhook waits for its outcome);
 * - Node checks those every `checkEveryMs` (its default, 30 s, would let a slow client stay that
 *   much longer);
 * - at most `maxConnections` at once: more are refused by closing them, not queued.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';

export type SlowClientLimits = { headersTimeoutMs: number; requestTimeoutMs: number; checkEveryMs: number; maxConnections: number };

export const SLOW_CLIENT_LIMITS: SlowClientLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, checkEveryMs: 1_000, maxConnections: 1_024 };

export function createGuardedServer(listener: RequestListener<typeof IncomingMessage, typeof ServerResponse>, limits: SlowClientLimits = SLOW_CLIENT_LIMITS): Server {
  const server = createServer(
    { headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs), requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: limits.checkEveryMs },
    listener,
  );
  server.maxConnections = limits.maxConnections;
  return server;
}
