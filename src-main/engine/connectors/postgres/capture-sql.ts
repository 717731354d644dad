/**
 * The SQL of PostgreSQL capture mode for one table, exactly as Concord shows and runs it.
 *
 * Installed in the table's own schema (so the connecting role needs CREATE there, not on the whole
 * database): a change table `concord_changes_<table>` (a bigserial sequence number, the op I/U/D,
 * the key as a JSON array, the writing transaction's id and the time), a trigger function and an
 * AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW trigger `concord_capture` on the table, which also
 * signals `pg_notify('concord_changes', {"table", "seq"})`. An update that changes the key records
 * a delete of the old key and an update of the new one.
 *
 * Concord's own writes are not recorded: its sessions carry `concord.writer = on` (dialect.ts),
 * and the function returns before recording (and so before NOTIFY) for such a session. The engine
 * knows what it wrote already (a write returns the row's version, which becomes the link's), so
 * reading it back would only cost a read — 100k of them after a first sync — and with the
 * real-time feed an echo run per run. An app's later edit of the same row is its own session's
 * and recorded as usual. The consequence: a table's capture serves one Concord, whose writes it
 * leaves out (already so: each read prunes what it consumed).
 *
 * The function is SECURITY DEFINER (owned by the installing role, with a fixed search_path): the
 * app's own roles write the table as before and need no privilege on Concord's change table.
 * The transaction id (`xid8`) lets a read tell which rows were still uncommitted when it looked
 * (capture-read.ts). Removing drops exactly these three objects (the sequence goes with its table).
 */
import { createHash } from 'node:crypto';
import type { SqlTable } from '../sql-table/dialect';
import { quoteIdent } from './discover';

export const CAPTURE_CHANNEL = 'concord_changes';
export const CAPTURE_TRIGGER = 'concord_capture';
/** The setting that marks a session as Concord's (set on every connection by dialect.ts): the trigger records nothing for it. */
export const WRITER_SETTING = 'concord.writer';
const MAX_IDENT = 63;

export type CaptureNames = {
  schema: string;
  table: string;
  /** `"schema"."concord_changes_table"`. */
  changes: string;
  changesName: string;
  /** `"schema"."concord_capture_table"` (the trigger function). */
  fn: string;
  fnName: string;
};

/** `"a"."b"` → ['a', 'b'] (a discovered table's ref: always two quoted identifiers). */
export function splitRef(ref: string): [string, string] {
  const m = /^"((?:[^"]|"")*)"\."((?:[^"]|"")*)"$/.exec(ref);
  if (!m) throw new Error(`not a qualified table reference: ${ref}`);
  return [(m[1] ?? '').replaceAll('""', '"'), (m[2] ?? '').replaceAll('""', '"')];
}

/** PostgreSQL cuts identifiers at 63 bytes: a long table name is shortened with a hash, so two long names never share objects. */
function identFor(prefix: string, table: string): string {
  const full = `${prefix}${table}`;
  if (Buffer.byteLength(full) <= MAX_IDENT) return full;
  const hash = createHash('sha256').update(table).digest('hex').slice(0, 8);
  let cut = table;
  while (Buffer.byteLength(`${prefix}${cut}_${hash}`) > MAX_IDENT) cut = cut.slice(0, -1);
  return `${prefix}${cut}_${hash}`;
}

export function captureNames(t: SqlTable): CaptureNames {
  const [schema, table] = splitRef(t.ref);
  const changesName = identFor('concord_changes_', table);
  const fnName = identFor('concord_capture_', table);
  return { schema, table, changes: `${quoteIdent(schema)}.${quoteIdent(changesName)}`, changesName, fn: `${quoteIdent(schema)}.${quoteIdent(fnName)}`, fnName };
}

const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

export function installSql(t: SqlTable): string {
  const n = captureNames(t);
  const keyOf = (row: 'OLD' | 'NEW') => `jsonb_build_array(${t.primaryKey.map((k) => `${row}.${quoteIdent(k)}`).join(', ')})`;
  const keyRow = (row: 'OLD' | 'NEW') => `ROW(${t.primaryKey.map((k) => `${row}.${quoteIdent(k)}`).join(', ')})`;
  const notify = `PERFORM pg_notify(${literal(CAPTURE_CHANNEL)}, json_build_object('table', ${literal(t.name)}, 'seq', s::text)::text);`;
  const body = [
    'DECLARE s bigint;',
    'BEGIN',
    `  IF current_setting(${literal(WRITER_SETTING)}, true) = 'on' THEN`,
    '    RETURN NULL;',
    '  END IF;',
    `  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND ${keyRow('OLD')} IS DISTINCT FROM ${keyRow('NEW')}) THEN`,
    `    INSERT INTO ${n.changes} (op, key) VALUES ('D', ${keyOf('OLD')}) RETURNING seq INTO s;`,
    `    ${notify}`,
    '  END IF;',
    `  IF TG_OP <> 'DELETE' THEN`,
    `    INSERT INTO ${n.changes} (op, key) VALUES (left(TG_OP, 1), ${keyOf('NEW')}) RETURNING seq INTO s;`,
    `    ${notify}`,
    '  END IF;',
    '  RETURN NULL;',
    'END',
  ].join('\n');
  // A dollar-quote tag the body cannot contain (a table name could hold "$concord$").
  let tag = '$concord$';
  for (let i = 1; body.includes(tag); i++) tag = `$concord${i}$`;
  return [
    `CREATE TABLE ${n.changes} (`,
    '  seq bigserial PRIMARY KEY,',
    `  op char(1) NOT NULL CHECK (op IN ('I', 'U', 'D')),`,
    '  key jsonb NOT NULL,',
    '  xid xid8 NOT NULL DEFAULT pg_current_xact_id(),',
    '  at timestamptz NOT NULL DEFAULT now()',
    ');',
    `COMMENT ON TABLE ${n.changes} IS ${literal(`Concord capture mode: changes to ${t.name} (not Concord's own writes). Remove it from Concord (the pair's settings), which drops this table, its trigger and function.`)};`,
    `CREATE FUNCTION ${n.fn}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS ${tag}`,
    body,
    `${tag};`,
    `CREATE TRIGGER ${CAPTURE_TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON ${t.ref} FOR EACH ROW EXECUTE FUNCTION ${n.fn}();`,
  ].join('\n');
}

export function removeSql(t: SqlTable): string {
  const n = captureNames(t);
  return [`DROP TRIGGER IF EXISTS ${CAPTURE_TRIGGER} ON ${t.ref};`, `DROP FUNCTION IF EXISTS ${n.fn}();`, `DROP TABLE IF EXISTS ${n.changes};`].join('\n');
}
