import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { pgTestGate, startPgServer, type PgServer } from '../testing/pg-server';
import { mariaDbTestGate, startMariaDbServer, type MariaDbServer } from '../testing/mariadb-server';
import { runConformance, type ConformanceApp, type ConformanceSubject, type SeedRow } from './conformance';
import { csvFileDefinition } from './csv-file';
import { createCsvFileConnector } from './csv-file/connector';
import { sqliteTableDefinition } from './sqlite-table';
import { createSqliteTableConnector } from './sqlite-table/connector';
import { postgresDefinition } from './postgres';
import { mysqlDefinition } from './mysql';
import { memorySecretHandle } from '../credentials/secret-handle';
import { restDefinition } from './rest';
import { startSaasStandin, type SaasStandinOptions } from '../testing/saas-standin/server';
import { STANDIN_API_KEY, standinProfile, type StandinProfileTweak } from '../testing/saas-standin/profile-fixture';
import { vcardFolderDefinition } from './vcard-folder';
import { createVcardFolderConnector } from './vcard-folder/connector';
import { radicaleTestGate, startRadicaleServer, type RadicaleServer } from '../testing/radicale-server';
import { cardDavDefinition } from './carddav';

const sqlite: ConformanceSubject = {
  name: 'sqlite-table',
  definition: sqliteTableDefinition,
  capabilities: sqliteTableDefinition.capabilities,
  setup(dir) {
    const path = join(dir, 'app.sqlite');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE contacts (id TEXT PRIMARY KEY NOT NULL, name TEXT, email TEXT, updated_at TEXT NOT NULL, needs_sync INTEGER NOT NULL DEFAULT 1)`);
    // The app's own clock; a real app stamps its rows the same way.
    const now = () => new Date().toISOString();
    const app: ConformanceApp = {
      insert(rows: SeedRow[], at?: string) {
        const stmt = db.prepare('INSERT INTO contacts (id, name, email, updated_at) VALUES (?, ?, ?, ?)');
        for (const r of rows) stmt.run(r.id, r.name, r.email, at ?? now());
      },
      update(id, fields, at) {
        const row = db.prepare('SELECT name, email FROM contacts WHERE id = ?').get(id) as { name: string; email: string };
        db.prepare('UPDATE contacts SET name = ?, email = ?, updated_at = ?, needs_sync = 1 WHERE id = ?').run(fields.name ?? row.name, fields.email ?? row.email, at ?? now(), id);
      },
      remove(id) {
        db.prepare('DELETE FROM contacts WHERE id = ?').run(id);
      },
    };
    const connector = createSqliteTableConnector({ path });
    const close = connector.close.bind(connector);
    connector.close = async () => {
      await close();
      db.close();
    };
    return { connector, collection: 'contacts', app, idField: 'id' };
  },
};

const csv: ConformanceSubject = {
  name: 'csv-file',
  definition: csvFileDefinition,
  capabilities: csvFileDefinition.capabilities,
  setup(dir) {
    const path = join(dir, 'contacts.csv');
    writeFileSync(path, 'id,name,email\n');
    // Edits the file the way a spreadsheet would: read it, change it, save it whole.
    const edit = (fn: (rows: string[][]) => string[][]) => {
      const [header = [], ...rows] = parse(readFileSync(path)) as string[][];
      const out = [header, ...fn(rows)].map((r) => r.map((v) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)).join(',')).join('\n');
      writeFileSync(path, out + '\n');
    };
    const app: ConformanceApp = {
      insert: (rows) => edit((existing) => [...existing, ...rows.map((r) => [r.id, r.name, r.email])]),
      update: (id, fields) => edit((rows) => rows.map((r) => (r[0] === id ? [id, fields.name ?? r[1] ?? '', fields.email ?? r[2] ?? ''] : r))),
      remove: (id) => edit((rows) => rows.filter((r) => r[0] !== id)),
    };
    return { connector: createCsvFileConnector({ path, idColumn: 'id' }), collection: 'contacts.csv', app, idField: 'id' };
  },
};

// A folder of .vcf files, changed the way a contacts app or vdirsyncer would: whole files written,
// replaced and removed. The suite's name and email are the card's FN and EMAIL.
const vcardFolder: ConformanceSubject = {
  name: 'vcard-folder',
  definition: vcardFolderDefinition,
  capabilities: vcardFolderDefinition.capabilities,
  setup(dir) {
    const folder = join(dir, 'contacts');
    mkdirSync(folder);
    const file = (id: string) => join(folder, `${id}.vcf`);
    const card = (id: string, name: string, email: string) =>
      ['BEGIN:VCARD', 'VERSION:3.0', `UID:${id}-uid`, 'PRODID:-//Conformance//EN', `N:;${name};;;`, `FN:${name}`, `EMAIL;TYPE=INTERNET:${email}`, 'X-APP-ONLY;X-P=1:kept', 'END:VCARD', ''].join('\r\n');
    const fields = (id: string) => {
      const text = readFileSync(file(id), 'utf8');
      return { name: /\r\nFN:(.*)\r\n/.exec(text)?.[1] ?? '', email: /\r\nEMAIL;TYPE=INTERNET:(.*)\r\n/.exec(text)?.[1] ?? '' };
    };
    const app: ConformanceApp = {
      insert: (rows) => rows.forEach((r) => writeFileSync(file(r.id), card(r.id, r.name, r.email))),
      update(id, change) {
        const now = fields(id);
        writeFileSync(file(id), card(id, change.name ?? now.name, change.email ?? now.email));
      },
      remove: (id) => rmSync(file(id)),
    };
    // With its stat cache, as the engine opens it: the suite's edits right after a read are the racy case.
    return { connector: createVcardFolderConnector({ path: folder }, { dataDir: join(dir, 'connector-data') }), collection: 'contacts', app, idField: 'id' };
  },
};

// Every connector in the registry has a subject here (server connectors with their throwaway servers).
// PostgreSQL: one throwaway cluster for this file, a fresh database per test, and a login role
// with a password (read through the connector's secret, as from the keychain).
const pgGate = pgTestGate();
let pgServer: PgServer | null = null;
let pgDatabases = 0;
if (pgGate.available) {
  beforeAll(async () => {
    pgServer = await startPgServer();
    await pgServer.sql("CREATE ROLE concord LOGIN PASSWORD 'conformance-pw'");
  });
  afterAll(async () => {
    await pgServer?.stop();
  });
}
if (pgGate.failInCi) {
  describe('connector conformance: postgres', () => {
    it('needs a PostgreSQL server (CI=true)', () => {
      throw new Error(pgGate.missingMessage);
    });
  });
}

const pgConfig = (database: string, server: PgServer) => ({ host: server.host, port: server.port, database, user: 'concord' });
const postgres: ConformanceSubject = {
  name: 'postgres',
  definition: postgresDefinition,
  capabilities: postgresDefinition.capabilities,
  async setup(dir) {
    const server = pgServer;
    if (!server) throw new Error('the PostgreSQL test server did not start');
    const database = `conformance_${process.pid}_${++pgDatabases}`;
    await server.sql(`CREATE DATABASE ${database} OWNER concord`);
    await server.sql(
      `CREATE TABLE public.contacts (id text PRIMARY KEY, name text, email text, updated_at timestamptz NOT NULL DEFAULT now(), needs_sync boolean NOT NULL DEFAULT true);
       ALTER TABLE public.contacts OWNER TO concord`,
      [],
      database,
    );
    const app: ConformanceApp = {
      async insert(rows, at) {
        for (const r of rows) await server.sql('INSERT INTO contacts (id, name, email, updated_at) VALUES ($1, $2, $3, coalesce($4::timestamptz, now()))', [r.id, r.name, r.email, at ?? null], database);
      },
      async update(id, fields, at) {
        await server.sql(
          'UPDATE contacts SET name = coalesce($2, name), email = coalesce($3, email), updated_at = coalesce($4::timestamptz, now()), needs_sync = true WHERE id = $1',
          [id, fields.name ?? null, fields.email ?? null, at ?? null],
          database,
        );
      },
      async remove(id) {
        await server.sql('DELETE FROM contacts WHERE id = $1', [id], database);
      },
    };
    const open = () => postgresDefinition.create({ config: pgConfig(database, server), secret: memorySecretHandle('conformance-pw'), dataDir: dir });
    const connector = open();
    // Capture mode runs through the suite too: installed as a user would, after the SQL was shown.
    const plan = await connector.capture?.plan('public.contacts');
    await connector.capture?.install('public.contacts', plan?.installHash ?? '');
    const close = connector.close.bind(connector);
    connector.close = async () => {
      await close();
      await server.sql(`DROP DATABASE ${database} WITH (FORCE)`);
    };
    return { connector, collection: 'public.contacts', app, idField: 'id', reopen: open, server: { stop: () => server.halt(), start: () => server.resume() } };
  },
  wrongSecret(dir) {
    const server = pgServer;
    if (!server) throw new Error('the PostgreSQL test server did not start');
    return postgresDefinition.create({ config: pgConfig('postgres', server), secret: memorySecretHandle('not-the-password'), dataDir: dir });
  },
};

// MySQL / MariaDB: one throwaway server for this file, a fresh database per test, and a login
// user with a password. The app's updated_at is DATETIME(6) kept by ON UPDATE CURRENT_TIMESTAMP
// (a TIMESTAMP cannot hold the suite's year-2099 row); the server's zone is UTC, as the app writes.
const myGate = mariaDbTestGate();
let myServer: MariaDbServer | null = null;
let myDatabases = 0;
if (myGate.available) {
  beforeAll(async () => {
    myServer = await startMariaDbServer();
    await myServer.sql('CREATE USER ?@? IDENTIFIED BY ?', ['concord', '127.0.0.1', 'conformance-pw']);
  }, 180_000);
  afterAll(async () => {
    await myServer?.stop();
  }, 120_000);
}
if (myGate.failInCi) {
  describe('connector conformance: mysql', () => {
    it('needs a MariaDB server (CI=true)', () => {
      throw new Error(myGate.missingMessage);
    });
  });
}

const myConfig = (database: string, server: MariaDbServer) => ({ host: server.host, port: server.port, database, user: 'concord' });
/** ISO UTC → the DATETIME wall clock the app writes (its server's zone is UTC). */
const wallClock = (iso: string | undefined): string | null => (iso ? iso.replace('T', ' ').replace('Z', '') : null);
const mysqlSubject: ConformanceSubject = {
  name: 'mysql',
  definition: mysqlDefinition,
  capabilities: mysqlDefinition.capabilities,
  async setup(dir) {
    const server = myServer;
    if (!server) throw new Error('the MariaDB test server did not start');
    const database = `conformance_${process.pid}_${++myDatabases}`;
    await server.sql(`CREATE DATABASE ${database} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await server.sql(`GRANT ALL PRIVILEGES ON ${database}.* TO ?@?`, ['concord', '127.0.0.1']);
    await server.sql(
      `CREATE TABLE contacts (id VARCHAR(64) PRIMARY KEY, name TEXT, email TEXT,
         updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), needs_sync BOOLEAN NOT NULL DEFAULT TRUE)`,
      [],
      database,
    );
    const app: ConformanceApp = {
      async insert(rows, at) {
        for (const r of rows) await server.sql('INSERT INTO contacts (id, name, email, updated_at) VALUES (?, ?, ?, COALESCE(?, UTC_TIMESTAMP(6)))', [r.id, r.name, r.email, wallClock(at)], database);
      },
      async update(id, fields, at) {
        await server.sql(
          'UPDATE contacts SET name = COALESCE(?, name), email = COALESCE(?, email), updated_at = COALESCE(?, UTC_TIMESTAMP(6)), needs_sync = TRUE WHERE id = ?',
          [fields.name ?? null, fields.email ?? null, wallClock(at), id],
          database,
        );
      },
      async remove(id) {
        await server.sql('DELETE FROM contacts WHERE id = ?', [id], database);
      },
    };
    const open = () => mysqlDefinition.create({ config: myConfig(database, server), secret: memorySecretHandle('conformance-pw'), dataDir: dir });
    const connector = open();
    // Capture mode runs through the suite too: installed as a user would, after the SQL was shown.
    const plan = await connector.capture?.plan('contacts');
    await connector.capture?.install('contacts', plan?.installHash ?? '');
    const close = connector.close.bind(connector);
    connector.close = async () => {
      await close();
      await server.sql(`DROP DATABASE ${database}`);
    };
    return { connector, collection: 'contacts', app, idField: 'id', reopen: open, server: { stop: () => server.halt(), start: () => server.resume() } };
  },
  wrongSecret(dir) {
    const server = myServer;
    if (!server) throw new Error('the MariaDB test server did not start');
    return mysqlDefinition.create({ config: myConfig('mysql', server), secret: memorySecretHandle('not-the-password'), dataDir: dir });
  },
};

// REST/JSON: the SaaS stand-in (a real HTTP server on 127.0.0.1) with one quirk switched on at a
// time, and the profile stating it as a user would. The suite's seed rows are its contacts.
function restSubject(name: string, options: SaasStandinOptions, tweak: StandinProfileTweak = {}): ConformanceSubject {
  const auth = { kind: 'api-key', in: 'header', name: 'X-Api-Key', key: STANDIN_API_KEY } as const;
  const open = (url: string, key: string, dir: string) => restDefinition.create({ config: { profile: JSON.stringify(standinProfile(url, tweak)) }, secret: memorySecretHandle(key), dataDir: dir });
  return {
    name,
    definition: restDefinition,
    capabilities: restDefinition.capabilities,
    async setup(dir) {
      const standin = await startSaasStandin({ auth, ...options });
      const app: ConformanceApp = {
        insert: (rows, at) => standin.app.insert(rows.map((r) => ({ id: r.id, name: r.name, email: r.email })), at),
        update: (id, fields, at) => standin.app.update(id, fields, at),
        remove: (id) => standin.app.remove(id),
      };
      const connector = open(standin.url, STANDIN_API_KEY, dir);
      const close = connector.close.bind(connector);
      connector.close = async () => {
        await close();
        await standin.stop();
      };
      return { connector, collection: 'contacts', app, idField: 'id', reopen: () => open(standin.url, STANDIN_API_KEY, dir), server: { stop: () => standin.halt(), start: () => standin.resume() } };
    },
    async wrongSecret(dir) {
      const standin = await startSaasStandin({ auth, ...options });
      const connector = open(standin.url, 'not-the-key', dir);
      const close = connector.close.bind(connector);
      connector.close = async () => {
        await close();
        await standin.stop();
      };
      return connector;
    },
  };
}

const restSubjects = [
  restSubject('rest (plain: ETags, cursor paging)', { etags: true }),
  restSubject('rest quirk: updated-at null on create', { etags: true, updatedAtNullOnCreate: true }, { contacts: { quirks: { updatedAtNullOnCreate: true } } }),
  restSubject('rest quirk: 1-second timestamps (pattern times, page paging)', { etags: true, secondTimestamps: true, timeFormat: 'pattern' }, {
    profile: { timeFormat: { pattern: '%Y-%m-%d %H:%M:%S' } },
    contacts: { quirks: { secondTimestamps: true }, list: { path: '/contacts', records: '$.data', paging: { style: 'page', pageParam: 'page', sizeParam: 'per_page' }, modifiedSince: { param: 'updated_since' } } },
  }),
  restSubject('rest quirk: lists lag writes', { etags: true, listLagCalls: 2 }, { contacts: { quirks: { listLagSeconds: 30 } } }),
  restSubject('rest quirk: write answers without the record', { etags: true, thinWriteAnswers: true }, { contacts: { quirks: { writeAnswerWithoutRecord: true } } }),
  restSubject('rest quirk: 429 after 20 requests a second', { etags: true, rateLimit: { perSecond: 20 } }),
  restSubject('rest quirk: slow answers', { etags: true, slowMs: 30 }),
  restSubject('rest: version field, offset paging, deleted flag', { versionField: true, deletedFlag: true }, {
    contacts: {
      concurrency: { kind: 'version-field', field: 'version' },
      deletes: { kind: 'flag', field: 'archived', value: true },
      list: { path: '/contacts', records: '$.data', query: { include_archived: 'true' }, paging: { style: 'offset', offsetParam: 'offset', limitParam: 'limit' }, modifiedSince: { param: 'updated_since' } },
    },
  }),
  restSubject('rest: Link paging, epoch seconds, deleted-since, no ETags', { deletedSince: true, timeFormat: 'epoch-seconds' }, {
    profile: { timeFormat: 'epoch-seconds' },
    contacts: {
      concurrency: { kind: 'none' },
      deletes: { kind: 'endpoint', path: '/contacts/deleted', sinceParam: 'since', records: '$.deleted', id: 'id' },
      list: { path: '/contacts', records: '$.data', paging: { style: 'link', sizeParam: 'limit' }, modifiedSince: { param: 'updated_since' } },
    },
  }),
  restSubject('rest: a POST list with a JSON body (Notion-style query), modified-since in the body', { etags: true, postQuery: true }, {
    contacts: {
      list: {
        method: 'POST',
        path: '/contacts/query',
        records: '$.data',
        body: { page_size: '{{pageSize}}', start_cursor: '{{cursor}}', sort: 'updated_at' },
        paging: { style: 'cursor', next: '$.next_cursor' },
        modifiedSince: { body: { filter: { updated_since: '{{since}}' } } },
        order: 'updated-asc',
      },
    },
  }),
];

// CardDAV: one throwaway Radicale for this file, a fresh address book per test. The suite's rows
// are cards named by their id (UID the same), FN the name and EMAIL the email; the connector's
// fields `name` and `email` are the codec's FN and preferred email. Run twice: token mode
// (sync-collection) and hash mode alone (as for a server without sync-collection).
const radicaleGate = radicaleTestGate();
let radicale: RadicaleServer | null = null;
let radicaleBooks = 0;
if (radicaleGate.available) {
  beforeAll(async () => {
    radicale = await startRadicaleServer();
  }, 60_000);
  afterAll(async () => {
    await radicale?.stop();
  });
}
if (radicaleGate.failInCi) {
  describe('connector conformance: carddav', () => {
    it('needs Radicale (CI=true)', () => {
      throw new Error(radicaleGate.missingMessage);
    });
  });
}

const vcardOf = (id: string, name: string, email: string): string => `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${id}\r\nFN:${name}\r\nN:${name};;;;\r\nEMAIL;TYPE=INTERNET:${email}\r\nX-PHONE-APP-COLOR:teal\r\nEND:VCARD\r\n`;
const cardDavSubject = (name: string, modes: ('token' | 'hash')[]): ConformanceSubject => ({
  name,
  definition: cardDavDefinition,
  capabilities: { ...cardDavDefinition.capabilities, changeDetection: modes },
  async setup(dir) {
    const server = radicale;
    if (!server) throw new Error('the Radicale test server did not start');
    const bookUrl = await server.app.createAddressBook(`conformance-${++radicaleBooks}`);
    const collection = new URL(bookUrl).pathname;
    const seen = new Map<string, SeedRow>();
    const app: ConformanceApp = {
      async insert(rows) {
        for (const r of rows) {
          seen.set(r.id, r);
          await server.app.putCard(bookUrl, r.id, vcardOf(r.id, r.name, r.email));
        }
      },
      async update(id, fields) {
        const card = await server.app.getCard(bookUrl, id);
        const fn = fields.name ?? /^FN:(.*)$/m.exec(card?.body ?? '')?.[1]?.trim() ?? '';
        const email = fields.email ?? /^EMAIL[^:]*:(.*)$/m.exec(card?.body ?? '')?.[1]?.trim() ?? '';
        await server.app.putCard(bookUrl, id, vcardOf(id, fn, email));
      },
      async remove(id) {
        await server.app.deleteCard(bookUrl, id);
      },
    };
    const open = () => cardDavDefinition.create({ config: { serverUrl: `${server.url}/`, username: server.user }, secret: memorySecretHandle(server.password), dataDir: dir });
    const connector = open();
    // Only the modes under test: hash alone stands for a server without sync-collection.
    const describeAll = connector.describe.bind(connector);
    connector.describe = async (options) => {
      const d = await describeAll(options);
      return { ...d, collections: d.collections.map((c) => ({ ...c, changeDetection: c.changeDetection.filter((m) => modes.includes(m as 'token' | 'hash')) })) };
    };
    return { connector, collection, app, idField: 'id', reopen: open, server: { stop: () => server.halt(), start: () => server.resume() } };
  },
  wrongSecret(dir) {
    const server = radicale;
    if (!server) throw new Error('the Radicale test server did not start');
    return cardDavDefinition.create({ config: { serverUrl: `${server.url}/`, username: server.user }, secret: memorySecretHandle('not-the-password'), dataDir: dir });
  },
});

runConformance([
  ...restSubjects,
  sqlite,
  csv,
  vcardFolder,
  ...(pgGate.available ? [postgres] : []),
  ...(myGate.available ? [mysqlSubject] : []),
  ...(radicaleGate.available ? [cardDavSubject('carddav (token)', ['token', 'hash']), cardDavSubject('carddav (hash)', ['hash'])] : []),
]);
