/**
 * Fixtures for end-to-end engine checks: SQLite "apps" with a `contacts` table, seeded and mutated
 * directly (as the app itself would), and helpers that build a pair and run it through the public
 * API only (`dispatch` / `onEvent`), never through the engine's internals.
 */
import Database from 'better-sqlite3';
import type { Engine } from '../engine';
import type { PairConfig, RunSummary } from '../api/model';
import type { ApiArgs, ApiMethod, ApiResult } from '../api/contract';

export type Contact = {
  id: number;
  email: string | null;
  first_name: string;
  last_name: string;
  phone: string | null;
  credits: number;
  updated_at: string;
};
export type ContactFields = Omit<Contact, 'id' | 'updated_at'>;

const SCHEMA = `CREATE TABLE contacts (
  id INTEGER PRIMARY KEY,
  email TEXT,
  first_name TEXT,
  last_name TEXT,
  phone TEXT,
  credits INTEGER,
  updated_at TEXT
)`;

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Niklaus'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Hamilton', 'Wirth'];

/** The n-th person of the synthetic population: the same n gives the same person on either side. */
export function person(n: number): ContactFields & { email: string } {
  return {
    email: `person${n}@example.com`,
    first_name: FIRST[n % FIRST.length] ?? 'Ada',
    last_name: LAST[Math.floor(n / FIRST.length) % LAST.length] ?? 'Lovelace',
    phone: `+1 555 ${String(n).padStart(7, '0')}`,
    credits: n % 100,
  };
}

/**
 * Seeded rows get distinct app timestamps in the past, one second apart, as a real app's history
 * would: the connector's own writes (stamped "now") sort after them, and a cursor's look-back
 * window covers a few rows, not the whole seed (equal timestamps would all fall inside it).
 */
const SEED_EPOCH_MS = Date.UTC(2024, 0, 1);

/** Creates an app file with an empty `contacts` table. */
export function createContactsApp(path: string): void {
  const db = new Database(path);
  try {
    db.exec(SCHEMA);
  } finally {
    db.close();
  }
}

/** Inserts contacts in one transaction (100k rows take well under a second). */
export function seedContacts(path: string, rows: Iterable<ContactFields>): void {
  const db = new Database(path);
  try {
    const insert = db.prepare('INSERT INTO contacts (email, first_name, last_name, phone, credits, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      let i = 0;
      for (const r of rows) insert.run(r.email, r.first_name, r.last_name, r.phone, r.credits, new Date(SEED_EPOCH_MS + 1000 * i++).toISOString());
    })();
  } finally {
    db.close();
  }
}

/** People n in [from, to), optionally changed (e.g. the other app holds another phone number). */
export function* people(from: number, to: number, change?: (p: ContactFields, n: number) => ContactFields): Generator<ContactFields> {
  for (let n = from; n < to; n++) yield change ? change(person(n), n) : person(n);
}

/** What the app itself does on an edit: changes fields and bumps updated_at with its own clock. */
export function updateContacts(path: string, where: string, set: Partial<ContactFields>, params: unknown[] = []): number {
  const entries = Object.entries(set);
  const db = new Database(path);
  try {
    const assignments = [...entries.map(([k]) => `"${k}" = ?`), `updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`].join(', ');
    return db.prepare(`UPDATE contacts SET ${assignments} WHERE ${where}`).run(...entries.map(([, v]) => v), ...params).changes;
  } finally {
    db.close();
  }
}

/** Runs arbitrary SQL against an app (the app's own writes), in one transaction. */
export function mutateApp(path: string, body: (db: Database.Database) => void): void {
  const db = new Database(path);
  try {
    db.transaction(() => body(db))();
  } finally {
    db.close();
  }
}

export function readContacts(path: string): Contact[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT * FROM contacts ORDER BY id').all() as Contact[];
  } finally {
    db.close();
  }
}

export function countContacts(path: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    return db.prepare('SELECT count(*) FROM contacts').pluck().get() as number;
  } finally {
    db.close();
  }
}

/** The mapped content of an app, keyed by (lower-cased) email: what both apps must agree on. Rows without an email are left out. */
export function contentByEmail(path: string): Map<string, Omit<ContactFields, 'email'>> {
  const out = new Map<string, Omit<ContactFields, 'email'>>();
  for (const c of readContacts(path)) {
    if (c.email === null) continue;
    out.set(c.email.trim().toLowerCase(), { first_name: c.first_name, last_name: c.last_name, phone: c.phone, credits: c.credits });
  }
  return out;
}

/** Emails that occur more than once in an app (a duplicate create leaves one here). */
export function duplicateEmails(path: string): string[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT lower(trim(email)) AS e FROM contacts WHERE email IS NOT NULL GROUP BY e HAVING count(*) > 1').pluck().all() as string[];
  } finally {
    db.close();
  }
}

/** Calls the API and throws the error envelope's message, so a test fails with the engine's words. */
export async function call<M extends ApiMethod>(engine: Pick<Engine, 'dispatch'>, method: M, args: ApiArgs<M>): Promise<ApiResult<M>> {
  const response = await engine.dispatch(method, args);
  if (!response.ok) throw new Error(`${method} failed (${response.error.code}): ${response.error.message}`);
  return response.value as ApiResult<M>;
}

export function contactsPairConfig(leftConnectionId: string, rightConnectionId: string, name: string, overrides: Partial<PairConfig> = {}): PairConfig {
  const plain = (field: string, type: 'string' | 'number' = 'string') => ({
    name: field,
    type,
    left: { fields: [field] },
    right: { fields: [field] },
    direction: 'both' as const,
  });
  const lowerTrim = [{ kind: 'trim' as const }, { kind: 'case' as const, to: 'lower' as const }];
  return {
    name,
    left: { connectionId: leftConnectionId, collection: 'contacts' },
    right: { connectionId: rightConnectionId, collection: 'contacts' },
    fields: [
      { name: 'email', type: 'string', left: { fields: ['email'], transforms: lowerTrim }, right: { fields: ['email'], transforms: lowerTrim }, direction: 'both' },
      plain('first_name'),
      plain('last_name'),
      plain('phone'),
      plain('credits', 'number'),
    ],
    matchKeys: ['email'],
    masterSide: 'left',
    conflictPolicy: 'master',
    initialMatchPolicy: 'master',
    deletes: { propagate: true, massDeleteThreshold: 0.5 },
    schedule: { intervalSeconds: null },
    ...overrides,
  };
}

/** Two connections to two SQLite apps and a pair between them, all through `dispatch`. */
export async function createContactsPair(engine: Pick<Engine, 'dispatch'>, leftPath: string, rightPath: string, options: { name?: string; overrides?: Partial<PairConfig> } = {}): Promise<string> {
  const name = options.name ?? 'Contacts';
  const left = await call(engine, 'connections/create', { name: `${name} left`, connector: 'sqlite-table', config: { path: leftPath } });
  const right = await call(engine, 'connections/create', { name: `${name} right`, connector: 'sqlite-table', config: { path: rightPath } });
  const pair = await call(engine, 'pairs/create', { config: contactsPairConfig(left.id, right.id, name, options.overrides) });
  return pair.id;
}

/**
 * Starts a run and resolves with its `run/finished` summary. Listens before it asks, so a run
 * that finishes before `dispatch` returns is not missed.
 */
export async function runAndWait(engine: Pick<Engine, 'dispatch' | 'onEvent'>, pairId: string, method: 'pairs/sync-now' | 'pairs/full-resync' = 'pairs/sync-now', timeoutMs = 600_000): Promise<RunSummary> {
  const finished = new Map<string, RunSummary>();
  let wanted: string | null = null;
  let settle: ((run: RunSummary) => void) | null = null;
  const off = engine.onEvent((m) => {
    if (m.event !== 'run/finished' || m.payload.pairId !== pairId) return;
    finished.set(m.payload.id, m.payload);
    if (wanted === m.payload.id) settle?.(m.payload);
  });
  try {
    const { runId } = await call(engine, method, { pairId });
    wanted = runId;
    const early = finished.get(runId);
    if (early) return early;
    return await new Promise<RunSummary>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`run ${runId} did not finish within ${timeoutMs} ms`)), timeoutMs);
      settle = (run) => {
        clearTimeout(timer);
        resolve(run);
      };
    });
  } finally {
    off();
  }
}

/** Writes (creates + updates + deletes) a run made. */
export const writesOf = (run: RunSummary): number => run.counts.created + run.counts.updated + run.counts.deleted;
