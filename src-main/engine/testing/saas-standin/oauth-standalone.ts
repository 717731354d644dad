/**
 * The stand-in's authorization server on its own HTTP server, for tests of the OAuth client and
 * the loopback flow that need no records: node:http on 127.0.0.1, a port the OS picks, plus one
 * protected resource (`GET /api/me`) that answers 401 unless the bearer token is valid now.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOAuthServer, type OAuthServer, type OAuthServerOptions } from './oauth';

export type OAuthStandin = {
  /** The server's origin with a trailing slash, e.g. `http://127.0.0.1:41234/`. */
  url: string;
  oauth: OAuthServer;
  authorizationUrl: string;
  tokenUrl: string;
  /** The protected resource: 200 with `{ ok: true }` for a valid bearer token, else 401. */
  resourceUrl: string;
  close(): Promise<void>;
};

export async function startOAuthStandin(options: OAuthServerOptions): Promise<OAuthStandin> {
  const oauth = createOAuthServer(options);
  const server: Server = createServer((req, res) => {
    if (oauth.handle(req, res)) return;
    if (req.url === '/api/me' && req.method === 'GET') {
      const header = req.headers.authorization ?? '';
      const token = header.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : '';
      if (!oauth.validateBearer(token)) {
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' });
        res.end(JSON.stringify({ error: 'invalid_token' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true }));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    oauth,
    ...oauth.endpoints(url),
    resourceUrl: new URL('/api/me', url).href,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
