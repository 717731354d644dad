/**
 * MySQL / MariaDB values ↔ JS values, exact both ways. The pool reads every DATE, DATETIME and
 * TIMESTAMP as the server's text (`dateStrings`), and BIGINT and DECIMAL as text
 * (`supportBigNumbers` + `bigNumberStrings`), so nothing is shifted by the local zone or rounded:
 * - BIGINT (signed or UNSIGNED): a JS number when exact (up to 2^53), else its decimal text;
 * - DECIMAL: its decimal text as the server prints it;
 * - TIMESTAMP: ISO 8601 UTC (the session's time_zone is '+00:00'), fractional seconds as the
 *   column keeps them; DATETIME: its wall clock as ISO text without a zone (the column has none);
 *   DATE: 'YYYY-MM-DD';
 * - a zero or partial date ('0000-00-00', '2024-00-10', which MySQL keeps outside strict mode) is
 *   read as null: no calendar holds it, and a value the engine cannot compare must not crash it;
 * - TINYINT(1) / BOOLEAN: true or false when it holds 0 or 1 (another number stays a number);
 * - JSON (and MariaDB's LONGTEXT with a json_valid check): parsed;
 * - BINARY, VARBINARY and BLOB: base64; BIT: a number; text, ENUM and SET as they are.
 */
import type { ValueType } from '../../api/model';
import type { SqlColumn } from '../sql-table/dialect';

export type MyKind = 'int' | 'bigint' | 'decimal' | 'float' | 'bool' | 'timestamp' | 'datetime' | 'date' | 'json' | 'binary' | 'bit' | 'text' | 'other';

/** The type family of a column from its COLUMN_TYPE (`bigint(20) unsigned`, `tinyint(1)`, `datetime(6)`), or `json`. */
export function kindOf(dbType: string): MyKind {
  const t = dbType.toLowerCase();
  const base = /^[a-z]+/.exec(t)?.[0] ?? '';
  if (t.startsWith('tinyint(1)') || base === 'boolean' || base === 'bool') return 'bool';
  if (['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'year'].includes(base)) return 'int';
  if (base === 'bigint') return 'bigint';
  if (base === 'decimal' || base === 'numeric') return 'decimal';
  if (base === 'float' || base === 'double' || base === 'real') return 'float';
  if (base === 'timestamp') return 'timestamp';
  if (base === 'datetime') return 'datetime';
  if (base === 'date') return 'date';
  if (base === 'json') return 'json';
  if (['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob'].includes(base)) return 'binary';
  if (base === 'bit') return 'bit';
  if (['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set'].includes(base)) return 'text';
  return 'other';
}

export function valueTypeOf(dbType: string): ValueType {
  switch (kindOf(dbType)) {
    case 'int':
    case 'bigint':
    case 'decimal':
    case 'float':
    case 'bit':
      return 'number';
    case 'bool':
      return 'boolean';
    case 'timestamp':
    case 'datetime':
      return 'datetime';
    case 'date':
      return 'date';
    case 'json':
      return 'json';
    default:
      return 'string';
  }
}

/** Fractional-second digits of a DATETIME/TIMESTAMP column (`datetime(6)` → 6). */
export const fractionDigits = (dbType: string): number => Number(/^(?:datetime|timestamp)\((\d)\)/i.exec(dbType)?.[1] ?? 0);

/** A date MySQL keeps but no calendar holds: a zero year, month or day. */
const isZeroDate = (text: string): boolean => /^0000-|^\d{4}-00-|^\d{4}-\d\d-00/.test(text);

function fromText(kind: MyKind, text: string): unknown {
  switch (kind) {
    case 'bigint': {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : text;
    }
    case 'timestamp':
      if (isZeroDate(text)) return null;
      return `${text.replace(' ', 'T')}Z`;
    case 'datetime':
      if (isZeroDate(text)) return null;
      return text.replace(' ', 'T');
    case 'date':
      return isZeroDate(text) ? null : text;
    case 'json':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    case 'int':
    case 'float': {
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    default:
      return text;
  }
}

/** A value as the driver gave it → what a record's field holds (JSON-safe, exact). */
export function fromMy(column: SqlColumn, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const kind = kindOf(column.dbType);
  if (Buffer.isBuffer(value)) {
    if (kind === 'bit') return value.reduce((n, byte) => n * 256 + byte, 0);
    if (kind === 'text' || kind === 'json') return fromText(kind, value.toString('utf8'));
    return value.toString('base64');
  }
  if (kind === 'bool' && typeof value === 'number') return value === 0 ? false : value === 1 ? true : value;
  if (typeof value === 'string') return fromText(kind, value);
  return value;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** ISO text with a zone, or epoch seconds/milliseconds → 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC (microseconds kept from the text). */
function utcWallClock(value: unknown): unknown {
  if (typeof value === 'number') {
    const d = new Date(Math.abs(value) < 1e11 ? value * 1000 : value);
    return Number.isFinite(d.getTime()) ? d.toISOString().replace('T', ' ').replace('Z', '') : value;
  }
  if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '');
  if (typeof value !== 'string') return value;
  const m = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d(?::\d\d)?)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$/i.exec(value.trim());
  if (!m) return value; // a date only, or text MySQL will judge (and refuse, in strict mode)
  const [, day, time = '', frac = '', zone] = m;
  if (!zone) return `${day} ${time}${frac}`;
  const ms = Date.parse(`${day}T${time}${zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`);
  if (!Number.isFinite(ms)) return value;
  const d = new Date(ms);
  const whole = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${whole}${frac}`;
}

const jsonText = (value: unknown): string => {
  if (typeof value === 'string') {
    try {
      JSON.parse(value);
      return value;
    } catch {
      return JSON.stringify(value);
    }
  }
  return JSON.stringify(value);
};

/** A field value from the engine → what the driver binds for this column. */
export function toMy(column: SqlColumn, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (kindOf(column.dbType)) {
    case 'json':
      return jsonText(value);
    case 'bool':
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (value === 'true') return 1;
      if (value === 'false') return 0;
      return value;
    case 'binary':
      return typeof value === 'string' ? Buffer.from(value, 'base64') : value;
    case 'timestamp':
    case 'datetime':
      // TIMESTAMP: UTC wall clock, as the session's '+00:00' zone reads it. DATETIME has no zone:
      // a wall clock is written as it is, a time with a zone as its UTC wall clock.
      return utcWallClock(value);
    case 'date':
      if (typeof value === 'string' && /^\d{4}-\d\d-\d\d[T ]/.test(value)) return value.slice(0, 10);
      if (typeof value === 'number' || value instanceof Date) return String(utcWallClock(value)).slice(0, 10);
      return value;
    case 'bigint':
    case 'int':
    case 'decimal':
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'boolean') return value ? 1 : 0;
      return value;
    default:
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'object' && !Buffer.isBuffer(value) && !(value instanceof Date)) return JSON.stringify(value);
      return value;
  }
}

const INTEGER = /^[+-]?\d+$/;

/**
 * An id part for a key column, or undefined when no row of the column can hold it. Integer keys
 * are bound as numbers (a BigInt beyond 2^53): MySQL compares an integer column with a quoted
 * string as doubles, which would match a neighbouring big id.
 */
export function keyToMy(column: SqlColumn, value: string | number): unknown {
  const kind = kindOf(column.dbType);
  const text = String(value);
  if (kind === 'int' || kind === 'bigint' || kind === 'bool') {
    if (!INTEGER.test(text)) return undefined;
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }
  // An id holds a time as a read gives it (ISO, a TIMESTAMP in UTC) and bytes as base64: bound as a write binds them.
  if (kind === 'timestamp' || kind === 'datetime' || kind === 'date' || kind === 'binary') return toMy(column, text);
  return text;
}
