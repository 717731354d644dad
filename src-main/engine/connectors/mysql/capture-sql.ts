/**
 * The SQL of MySQL / MariaDB capture mode for one table, exactly as Concord shows and runs it.
 *
 * Installed in the table's own database: a change table `concord_changes_<table>` (an
 * AUTO_INCREMENT sequence number, the op I/U/D, the key as a JSON array of text, the time) and
 * three triggers, `concord_ins_<table>`, `concord_upd_<table>` and `concord_del_<table>`, AFTER
 * INSERT, UPDATE and DELETE FOR EACH ROW. An update that changes the key (byte for byte: a change
 * of case only counts, whatever the collation says) records a delete of the old key and an update
 * of the new. There is no NOTIFY in MySQL: the feed polls the change table (capture.ts).
 *
 * The triggers run as their definer (the connecting user, MySQL's default), so the app's own
 * users write the table as before and need no privilege on Concord's change table. If that user
 * is later dropped, MySQL refuses every write to the table ("the user specified as a definer does
 * not exist") until capture is removed: the change table's comment says so.
 *
 * Key parts are stored as text the way the driver reads them, so a deleted row's id can be rebuilt
 * exactly (capture-read.ts): text as it is, binary as hex, TIMESTAMP as epoch seconds (its text
 * would be in the writing session's zone), everything else `CAST(… AS CHAR)`. Never a JSON
 * number, which would round a BIGINT beyond 2^53.
 *
 * MySQL identifiers are at most 64 characters: a long table name is shortened with a hash, so two
 * long names never share objects. Trigger names are per database in MySQL (not per table), hence
 * the table's name in each.
 *
 * Statements, not a script: the pool runs one statement per query (no multi-statement mode), and
 * a trigger body holds semicolons. The text shown is the statements in the form the `mysql` client
 * takes (DELIMITER around the triggers); install and remove check that the confirmed text is this
 * text and then run these statements (capture.ts).
 */
import { createHash } from 'node:crypto';
import type { SqlColumn, SqlTable } from '../sql-table/dialect';
import { quoteIdent } from './discover';
import { kindOf } from './values';

const MAX_IDENT = 64;
export const CHANGES_PREFIX = 'concord_changes_';
/** The start of the change table's comment: how Concord knows a table of that name is its own. */
export const COMMENT_HEAD = 'Concord capture mode:';

export type TriggerOp = 'ins' | 'upd' | 'del';
export const TRIGGER_OPS: readonly TriggerOp[] = ['ins', 'upd', 'del'];

export type CaptureNames = {
  database: string;
  table: string;
  /** `` `db`.`concord_changes_table` ``. */
  changes: string;
  changesName: string;
  /** Trigger names, unqualified. */
  triggers: Record<TriggerOp, string>;
};

/** `` `a`.`b` `` → ['a', 'b'] (a discovered table's ref: always two quoted identifiers). */
export function splitRef(ref: string): [string, string] {
  const m = /^`((?:[^`]|``)*)`\.`((?:[^`]|``)*)`$/.exec(ref);
  if (!m) throw new Error(`not a qualified table reference: ${ref}`);
  return [(m[1] ?? '').replaceAll('``', '`'), (m[2] ?? '').replaceAll('``', '`')];
}

/** `prefix + table`, or when longer than MySQL's 64 characters, the table cut and a hash of its full name added. */
export function identFor(prefix: string, table: string): string {
  const full = `${prefix}${table}`;
  if ([...full].length <= MAX_IDENT) return full;
  const hash = createHash('sha256').update(table).digest('hex').slice(0, 8);
  const room = MAX_IDENT - prefix.length - hash.length - 1;
  return `${prefix}${[...table].slice(0, room).join('')}_${hash}`;
}

export function captureNamesOf(database: string, table: string): CaptureNames {
  const changesName = identFor(CHANGES_PREFIX, table);
  return {
    database,
    table,
    changes: `${quoteIdent(database)}.${quoteIdent(changesName)}`,
    changesName,
    triggers: { ins: identFor('concord_ins_', table), upd: identFor('concord_upd_', table), del: identFor('concord_del_', table) },
  };
}

export function captureNames(t: SqlTable): CaptureNames {
  const [database, table] = splitRef(t.ref);
  return captureNamesOf(database, table);
}

/** A string literal that reads the same whatever the session's backslash mode. */
const literal = (text: string): string => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;

const columnOf = (t: SqlTable, name: string): SqlColumn => {
  const c = t.columns.find((x) => x.name === name);
  if (!c) throw new Error(`column ${name} missing from ${t.name}`);
  return c;
};

/** One key part as the text the change table keeps (see the file's comment). */
function keyPart(c: SqlColumn, row: 'OLD' | 'NEW'): string {
  const col = `${row}.${quoteIdent(c.name)}`;
  switch (kindOf(c.dbType)) {
    case 'text':
      return col;
    case 'binary':
      return `HEX(${col})`;
    case 'timestamp':
      return `CAST(UNIX_TIMESTAMP(${col}) AS CHAR)`;
    case 'bit':
      return `CAST(${col} + 0 AS CHAR)`;
    default:
      return `CAST(${col} AS CHAR)`;
  }
}

const keyJson = (t: SqlTable, row: 'OLD' | 'NEW'): string => `JSON_ARRAY(${t.primaryKey.map((k) => keyPart(columnOf(t, k), row)).join(', ')})`;

/** Whether the update kept the key, byte for byte. */
const sameKey = (t: SqlTable): string => t.primaryKey.map((k) => `CAST(OLD.${quoteIdent(k)} AS BINARY) <=> CAST(NEW.${quoteIdent(k)} AS BINARY)`).join(' AND ');

/** The install statements, in order: the change table first, so a trigger never writes into nothing. */
export function installStatements(t: SqlTable): string[] {
  const n = captureNames(t);
  const on = (op: TriggerOp, event: string) => `CREATE TRIGGER ${quoteIdent(n.database)}.${quoteIdent(n.triggers[op])} AFTER ${event} ON ${t.ref} FOR EACH ROW`;
  const record = (op: 'I' | 'U' | 'D', row: 'OLD' | 'NEW') => `INSERT INTO ${n.changes} (op, \`key\`) VALUES ('${op}', ${keyJson(t, row)})`;
  const comment = `${COMMENT_HEAD} changes to ${n.table}. Remove capture from Concord (the pair's settings), which drops this table and its three triggers; until then the triggers run as the user who installed them, who must not be dropped.`;
  return [
    [
      `CREATE TABLE ${n.changes} (`,
      '  seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,',
      `  op CHAR(1) CHARACTER SET ascii NOT NULL CHECK (op IN ('I', 'U', 'D')),`,
      '  `key` JSON NOT NULL,',
      '  at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)',
      `) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin COMMENT=${literal(comment)}`,
    ].join('\n'),
    `${on('ins', 'INSERT')}\n  ${record('I', 'NEW')}`,
    [`${on('upd', 'UPDATE')}`, 'BEGIN', `  IF NOT (${sameKey(t)}) THEN`, `    ${record('D', 'OLD')};`, '  END IF;', `  ${record('U', 'NEW')};`, 'END'].join('\n'),
    `${on('del', 'DELETE')}\n  ${record('D', 'OLD')}`,
  ];
}

/** The statements as the `mysql` client takes them: the trigger bodies hold semicolons, so they go between DELIMITER lines. */
export function installText(statements: string[]): string {
  const [table, ...triggers] = statements;
  return [`${table ?? ''};`, 'DELIMITER //', ...triggers.map((s) => `${s} //`), 'DELIMITER ;'].join('\n');
}

/**
 * The remove statements: triggers first (an app write then never finds a trigger without its
 * table), then the change table. `present` limits them to the objects that exist now, so a
 * removal drops exactly what is Concord's and there (never a same-named trigger on another table).
 */
export function removeStatements(t: SqlTable, present?: { table: boolean; triggers: TriggerOp[] }): string[] {
  const n = captureNames(t);
  const ops = present ? TRIGGER_OPS.filter((op) => present.triggers.includes(op)) : TRIGGER_OPS;
  return [...ops.map((op) => `DROP TRIGGER IF EXISTS ${quoteIdent(n.database)}.${quoteIdent(n.triggers[op])}`), ...(!present || present.table ? [`DROP TABLE IF EXISTS ${n.changes}`] : [])];
}

export const removeText = (statements: string[]): string => statements.map((s) => `${s};`).join('\n');
