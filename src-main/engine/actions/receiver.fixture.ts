/**
 * TEST FIXTURE (not shipped code): a real HTTP receiver on 127.0.0.1 (a free port) standing in
 * for a user's workflow endpoint. It checks every call's Concord-Signature against the secret it
 * was given, keeps what arrived, and answers 500 to the first `failFirst` calls (to exercise retries).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from './signing';

export type Received = { headers: IncomingHttpHeaders; body: string; json: { id: string; event: string; pairId: string; pairName: string; occurredAt: string; data: unknown }; signatureOk: boolean; answered: number };

export type Receiver = {
  url: string;
  port: number;
  received: Received[];
  /** The secret signatures are checked with (set it from the create/rotate answer). */
  secret: string;
  /** How many of the next calls answer 500 before the receiver accepts. */
  failFirst: number;
  /** Calls are held without an answer (answered: 0) while this is set. */
  hang: boolean;
  close(): Promise<void>;
};

export async function startReceiver(options: { port?: number } = {}): Promise<Receiver> {
  const received: Received[] = [];
  const state = { secret: '', failFirst: 0, hang: false };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signatureOk = verifySignature(state.secret, body, String(req.headers['concord-signature'] ?? ''));
      const answered = !signatureOk ? 401 : state.hang ? 0 : state.failFirst > 0 ? 500 : 200;
      if (answered === 500) state.failFirst--;
      received.push({ headers: req.headers, body, json: JSON.parse(body) as Received['json'], signatureOk, answered });
      if (answered === 0) return;
      res.writeHead(answered, { 'content-type': 'text/plain' });
      res.end(answered === 200 ? 'thanks' : answered === 500 ? 'receiver down for a moment' : 'bad signature');
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/concord`,
    port,
    received,
    get secret() {
      return state.secret;
    },
    set secret(s: string) {
      state.secret = s;
    },
    get hang() {
      return state.hang;
    },
    set hang(h: boolean) {
      state.hang = h;
    },
    get failFirst() {
      return state.failFirst;
    },
    set failFirst(n: number) {
      state.failFirst = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
