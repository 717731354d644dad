/**
 * TEST FIXTURE (not shipped code): a throwaway Radicale CardDAV server.
 *
 * Each `startRadicaleServer` makes its own temp folder (config, htpasswd file, storage, log) and
 * starts `radicale --config <file>` on 127.0.0.1 on a free port, so two copies of the suite never
 * share a port or a storage folder. `stop()` kills it by its pid and removes the folder; a process
 * exit kills it too, so an interrupted run leaves no server behind. `halt()`/`resume()` stop it and
 * start it again on the same port with the same storage (the network goes away mid-run).
 *
 * Authentication: htpasswd with plain passwords (test set-up only): `user`/`password`, so the
 * connector's keychain path is exercised for real. Radicale's delay after a failed login is off.
 *
 * `app` plays "the app": another CardDAV client that makes address books and puts and deletes
 * cards directly, not through Concord's connector.
 *
 * Where Radicale is missing: under CI=true the tests fail with a message saying what to install;
 * locally they are skipped with a loud reason (`radicaleTestGate`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, logTail, serverTestGate, whenReady, type ServerTestGate } from './test-servers';

export type RadicaleServer = {
  host: '127.0.0.1';
  port: number;
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  user: string;
  password: string;
  dir: string;
  app: RadicaleApp;
  /** Stops the server and keeps its storage; `resume` starts it again on the same port. */
  halt(): Promise<void>;
  resume(): Promise<void>;
  /**
   * The server forgets every sync token it gave for this address book (its token history, as an
   * expiry or a pruned history would): a sync-collection from an old token is then refused with
   * the `valid-sync-token` precondition.
   */
  forgetSyncTokens(bookUrl: string): void;
  stop(): Promise<void>;
};

/** Another CardDAV client editing the server, as a contacts app on a phone would. */
export type RadicaleApp = {
  /** Makes an address book at `/<user>/<name>/` (extended MKCOL with the CardDAV resourcetype); returns its URL. */
  createAddressBook(name: string, displayName?: string): Promise<string>;
  /** Makes a calendar (a collection that is not an address book) at `/<user>/<name>/`. */
  createCalendar(name: string): Promise<string>;
  /** PUTs a card's text at `<book>/<resource>` unconditionally; returns the new ETag. */
  putCard(bookUrl: string, resource: string, vcard: string): Promise<string>;
  deleteCard(bookUrl: string, resource: string): Promise<void>;
  /** The card's text and ETag as stored, or null when it does not exist. */
  getCard(bookUrl: string, resource: string): Promise<{ body: string; etag: string } | null>;
  /** Resource names in the book. */
  listCards(bookUrl: string): Promise<string[]>;
};

const onPath = (tool: string): string | null => {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/bin', '/usr/local/bin']) if (dir && existsSync(join(dir, tool))) return join(dir, tool);
  return null;
};

const MISSING = 'Radicale is not installed (no `radicale` on the PATH) — run: sudo bash scripts/install-system-deps.sh';

/** Whether this test file can run against a real Radicale (`serverTestGate`: under CI=true a missing one fails). */
export function radicaleTestGate(): ServerTestGate {
  return serverTestGate('Radicale', onPath('radicale') !== null, MISSING);
}

function configFile(dir: string, port: number): string {
  return [
    '[server]',
    `hosts = 127.0.0.1:${port}`,
    '[auth]',
    'type = htpasswd',
    `htpasswd_filename = ${join(dir, 'users')}`,
    'htpasswd_encryption = plain',
    // No pause after a wrong password: the wrong-credentials tests would otherwise wait on it.
    'delay = 0',
    '[rights]',
    'type = owner_only',
    '[storage]',
    `filesystem_folder = ${join(dir, 'collections')}`,
    '[web]',
    'type = none',
    '[logging]',
    'level = warning',
    '',
  ].join('\n');
}

const radicaleLog = (dir: string): string => logTail(join(dir, 'radicale.log'));

/** Waits until the server answers HTTP, or it exits; false when it exited or the deadline passed. */
const ready = (child: ChildProcess, url: string, timeoutMs: number): Promise<boolean> =>
  whenReady(
    child,
    async () => {
      const res = await fetch(`${url}/.web`, { redirect: 'manual' });
      await res.body?.cancel();
    },
    timeoutMs,
  );

export async function startRadicaleServer(options: { user?: string; password?: string } = {}): Promise<RadicaleServer> {
  const bin = onPath('radicale');
  if (!bin) throw new Error(MISSING);
  const user = options.user ?? 'alice';
  const password = options.password ?? 'radicale-pw';
  const dir = mkdtempSync(join(tmpdir(), 'concord-radicale-'));
  mkdirSync(join(dir, 'collections'));
  writeFileSync(join(dir, 'users'), `${user}:${password}\n`);
  const cnf = join(dir, 'radicale.conf');

  const launch = async (port: number): Promise<ChildProcess | null> => {
    writeFileSync(cnf, configFile(dir, port));
    const out = join(dir, 'radicale.log');
    const fd = openSync(out, 'a');
    const c = spawn(bin, ['--config', cnf], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    if (await ready(c, `http://127.0.0.1:${port}`, 60_000)) return c;
    c.kill('SIGKILL');
    return null;
  };

  let child: ChildProcess | null = null;
  let port = 0;
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    child = await launch(port);
    if (!child && !/Address already in use|Errno 98/i.test(radicaleLog(dir))) break;
  }
  if (!child) {
    const why = radicaleLog(dir);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`radicale did not start: ${why}`);
  }
  let server: ChildProcess = child;
  let running = true;

  let stopped = false;
  const killNow = (): void => {
    if (stopped) return;
    stopped = true;
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  // An interrupted run (a failed hook, Ctrl-C, a crashed worker) still stops its server.
  process.once('exit', killNow);

  const exited = (c: ChildProcess): Promise<void> => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', () => r())));
  const url = `http://127.0.0.1:${port}`;
  return {
    host: '127.0.0.1',
    port,
    url,
    user,
    password,
    dir,
    app: radicaleApp(url, user, password),
    async halt() {
      if (!running) return;
      running = false;
      server.kill('SIGTERM');
      await exited(server);
    },
    async resume() {
      if (running) return;
      const c = await launch(port);
      if (!c) throw new Error(`radicale did not start again on port ${port}: ${radicaleLog(dir)}`);
      server = c;
      running = true;
    },
    forgetSyncTokens(bookUrl: string) {
      const segments = decodeURIComponent(new URL(bookUrl).pathname).split('/').filter((x) => x !== '');
      const folder = join(dir, 'collections', 'collection-root', ...segments);
      if (!existsSync(folder)) throw new Error(`no address book stored at ${folder}`);
      rmSync(join(folder, '.Radicale.cache', 'sync-token'), { recursive: true, force: true });
    },
    async stop() {
      process.removeListener('exit', killNow);
      server.kill('SIGKILL');
      await exited(server);
      stopped = true;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const xmlEscape = (s: string): string => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function radicaleApp(base: string, user: string, password: string): RadicaleApp {
  const auth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const request = async (method: string, url: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Response> =>
    fetch(url, { method, headers: { Authorization: auth, ...init.headers }, ...(init.body !== undefined ? { body: init.body } : {}) });
  const must = async (res: Response, what: string): Promise<Response> => {
    if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
    return res;
  };
  const cardUrl = (book: string, resource: string) => `${book.endsWith('/') ? book : `${book}/`}${encodeURIComponent(resource)}`;
  const mkcol = async (name: string, resourcetype: string, displayName?: string): Promise<string> => {
    const url = `${base}/${encodeURIComponent(user)}/${encodeURIComponent(name)}/`;
    const body = `<?xml version="1.0" encoding="utf-8"?>
<D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
<D:resourcetype><D:collection/>${resourcetype}</D:resourcetype>${displayName !== undefined ? `<D:displayname>${xmlEscape(displayName)}</D:displayname>` : ''}
</D:prop></D:set></D:mkcol>`;
    await must(await request('MKCOL', url, { body, headers: { 'Content-Type': 'application/xml; charset=utf-8' } }), `MKCOL ${url}`);
    return url;
  };
  return {
    createAddressBook: (name, displayName) => mkcol(name, '<CR:addressbook/>', displayName),
    createCalendar: (name) => mkcol(name, '<C:calendar/>'),
    async putCard(book, resource, vcard) {
      const res = await must(await request('PUT', cardUrl(book, resource), { body: vcard, headers: { 'Content-Type': 'text/vcard; charset=utf-8' } }), `PUT ${resource}`);
      await res.body?.cancel();
      return res.headers.get('etag') ?? '';
    },
    async deleteCard(book, resource) {
      const res = await must(await request('DELETE', cardUrl(book, resource)), `DELETE ${resource}`);
      await res.body?.cancel();
    },
    async getCard(book, resource) {
      const res = await request('GET', cardUrl(book, resource));
      if (res.status === 404) return null;
      await must(res, `GET ${resource}`);
      return { body: await res.text(), etag: res.headers.get('etag') ?? '' };
    },
    async listCards(book) {
      const res = await must(await request('PROPFIND', book, { headers: { Depth: '1', 'Content-Type': 'application/xml' }, body: '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>' }), `PROPFIND ${book}`);
      const text = await res.text();
      const path = new URL(book).pathname.replace(/\/?$/, '/');
      return [...text.matchAll(/<(?:\w+:)?href>([^<]*)<\/(?:\w+:)?href>/g)].map((m) => decodeURIComponent(m[1] ?? '')).filter((h) => h !== path && h.startsWith(path)).map((h) => h.slice(path.length));
    },
  };
}
