/**
 * PostgreSQL values ↔ JS values, exact both ways:
 * - bigint: a JS number when it is exact (up to 2^53), else its decimal text (never rounded);
 * - numeric: its decimal text as PostgreSQL prints it (a JS number would round 0.1 + 0.2 cents);
 * - timestamptz: ISO 8601 in UTC with the database's full precision (microseconds kept);
 *   timestamp without zone: its wall clock as ISO text without a zone; date: 'YYYY-MM-DD';
 * - boolean, json/jsonb (parsed), arrays (JS arrays of the same), uuid and text as they are;
 * - bytea as base64; anything else (intervals, geometric types, ranges) as PostgreSQL's own text.
 *
 * The driver's parsers are replaced per pool (`typeParsers`): its defaults turn dates and
 * timestamps into JS Dates in the local zone (a date shifts a day west of Greenwich) and drop
 * microseconds.
 */
import type pg from 'pg';
import { pgDriver } from './driver';
import type { ValueType } from '../../api/model';
import type { SqlColumn } from '../sql-table/dialect';

const TEXT_ARRAY: number = 1009;
/** OIDs kept as PostgreSQL's text: int8, numeric, date, timestamp, timestamptz, interval, money, time, timetz. */
const AS_TEXT = new Set([20, 1700, 1082, 1114, 1184, 1186, 790, 1083, 1266]);
/** Parsed by the driver's own parsers: bool, int2, int4, float4, float8, json, jsonb, bytea, text and uuid arrays. */
const DRIVER = new Set([16, 21, 23, 700, 701, 114, 3802, 17, 1000, 1005, 1007, 1021, 1022, 1009, 1015, 1014, 2951, 199, 3807, 1001]);
/** Arrays of the AS_TEXT types: parsed into arrays of their text. */
const TEXT_ELEMENT_ARRAYS = new Set([1016, 1231, 1182, 1115, 1185, 1187, 791, 1183, 1270]);

export const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format === 'binary') return pgDriver().types.getTypeParser(oid, 'binary');
    if (AS_TEXT.has(oid)) return (v: string) => v;
    if (TEXT_ELEMENT_ARRAYS.has(oid)) return pgDriver().types.getTypeParser(TEXT_ARRAY, 'text');
    if (DRIVER.has(oid)) return pgDriver().types.getTypeParser(oid, 'text');
    return (v: string) => v;
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** The type family of a column, from `format_type` (`timestamp(3) with time zone`, `numeric(12,2)[]`). */
export type PgKind = 'int' | 'bigint' | 'numeric' | 'float' | 'bool' | 'timestamptz' | 'timestamp' | 'date' | 'json' | 'uuid' | 'bytea' | 'text' | 'other';

export function kindOf(dbType: string): PgKind {
  const t = dbType.replace(/\[\]$/, '').replace(/\(.*?\)/g, '').trim();
  if (t === 'smallint' || t === 'integer') return 'int';
  if (t === 'bigint') return 'bigint';
  if (t === 'numeric') return 'numeric';
  if (t === 'real' || t === 'double precision') return 'float';
  if (t === 'boolean') return 'bool';
  if (t === 'timestamp with time zone') return 'timestamptz';
  if (t === 'timestamp without time zone') return 'timestamp';
  if (t === 'date') return 'date';
  if (t === 'json' || t === 'jsonb') return 'json';
  if (t === 'uuid') return 'uuid';
  if (t === 'bytea') return 'bytea';
  if (t === 'text' || t === 'character varying' || t === 'character' || t === 'citext' || t === 'name') return 'text';
  return 'other';
}

export const isArray = (dbType: string): boolean => dbType.endsWith('[]');

export function valueTypeOf(dbType: string): ValueType {
  if (isArray(dbType)) return 'json';
  switch (kindOf(dbType)) {
    case 'int':
    case 'bigint':
    case 'numeric':
    case 'float':
      return 'number';
    case 'bool':
      return 'boolean';
    case 'timestamptz':
    case 'timestamp':
      return 'datetime';
    case 'date':
      return 'date';
    case 'json':
      return 'json';
    default:
      return 'string';
  }
}

const TSTZ = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/;

/** PostgreSQL's timestamptz text in any session zone → ISO 8601 UTC, microseconds kept. */
export function timestamptzToIso(text: string): string {
  const m = TSTZ.exec(text);
  if (!m) return text; // infinity, -infinity, BC dates: kept as PostgreSQL wrote them
  const [, y, mo, d, h, mi, s, frac = '', sign, oh, om = '0', os = '0'] = m;
  const offsetMs = (sign === '-' ? -1 : 1) * ((Number(oh) * 60 + Number(om)) * 60 + Number(os)) * 1000;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - offsetMs;
  const date = new Date(ms);
  if (Number(y) < 100) date.setUTCFullYear(Number(y));
  const whole = date.toISOString().slice(0, 19);
  return `${whole}${frac}Z`;
}

function scalarFromDb(kind: PgKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value !== 'string') return value;
  if (kind === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  if (kind === 'timestamptz') return timestamptzToIso(value);
  if (kind === 'timestamp') return value.replace(' ', 'T');
  return value;
}

/** A value as the driver parsed it → what a record's field holds (JSON-safe, exact). */
export function fromPg(column: SqlColumn, value: unknown): unknown {
  const kind = kindOf(column.dbType);
  if (Array.isArray(value)) return value.map((v: unknown) => (Array.isArray(v) ? fromPg(column, v) : scalarFromDb(kind, v)));
  return scalarFromDb(kind, value);
}

const jsonText = (value: unknown): string => {
  if (typeof value === 'string') {
    try {
      JSON.parse(value);
      return value; // already JSON text (a JSON field read from SQLite, say)
    } catch {
      return JSON.stringify(value);
    }
  }
  return JSON.stringify(value);
};

function scalarToPg(kind: PgKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'json':
      return jsonText(value);
    case 'bool':
      if (typeof value === 'number') return value !== 0;
      return value;
    case 'bytea':
      return typeof value === 'string' ? Buffer.from(value, 'base64') : value;
    case 'timestamptz':
    case 'timestamp':
    case 'date':
      if (value instanceof Date) return value.toISOString();
      // Seconds or milliseconds since the epoch, as the engine's canonical form reads them.
      if (typeof value === 'number') return new Date(Math.abs(value) < 1e11 ? value * 1000 : value).toISOString();
      return value;
    default:
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'object' && !Buffer.isBuffer(value) && !(value instanceof Date)) return JSON.stringify(value);
      return value;
  }
}

/** A field value → what the driver binds (the driver sends text; PostgreSQL parses it as the column's type). */
export function toPg(column: SqlColumn, value: unknown): unknown {
  const kind = kindOf(column.dbType);
  if (!isArray(column.dbType)) return scalarToPg(kind, value);
  if (value === null || value === undefined) return null;
  let list: unknown = value;
  if (typeof value === 'string' && value.trim().startsWith('[')) {
    try {
      list = JSON.parse(value);
    } catch {
      list = value;
    }
  }
  // A JS array becomes a PostgreSQL array; a string is taken as PostgreSQL's own '{a,b}' text.
  return Array.isArray(list) ? list.map((v: unknown) => scalarToPg(kind, v)) : list;
}

const INTEGER = /^[+-]?\d+$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** An id part for a key column, or undefined when no row of this column can have it (no query is run). */
export function keyToPg(column: SqlColumn, value: string | number): unknown {
  const kind = kindOf(column.dbType);
  const text = String(value);
  if ((kind === 'int' || kind === 'bigint') && !INTEGER.test(text)) return undefined;
  if (kind === 'uuid' && !UUID.test(text)) return undefined;
  return text;
}
