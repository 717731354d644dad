/**
 * What a MySQL / MariaDB or network error means for a user, and what to do about it.
 * Connection-level errors become ConnectorErrors (`myConnectorError`); an error of one write op
 * becomes that op's failure only (`myOpFailure`), so the rest of its batch is written.
 *
 * mysql2 errors carry the server's symbolic `code` (ER_ACCESS_DENIED_ERROR) and `errno` (1045):
 * dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html; MariaDB uses the same numbers.
 */
import { ConnectorError, errorMessage } from '../errors';
import type { OpFailure, SqlSession, SqlTable } from '../sql-table/dialect';
import { quoteIdent } from './discover';

export type MyTarget = { host: string; port: number; database: string; user: string; tls: string };

const codeOf = (error: unknown): string => String((error as { code?: unknown } | null)?.code ?? '');
const errnoOf = (error: unknown): number => Number((error as { errno?: unknown } | null)?.errno ?? 0);

/** Codes of a connection that is gone (not an error of one statement). */
const LOST = /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|PROTOCOL_CONNECTION_LOST|PROTOCOL_SEQUENCE_TIMEOUT|PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR|PROTOCOL_ENQUEUE_AFTER_QUIT|ER_SERVER_SHUTDOWN|ER_CONNECTION_KILLED|ER_NET_READ_ERROR|ER_NET_READ_INTERRUPTED|ER_NET_ERROR_ON_WRITE|CR_SERVER_LOST|CR_SERVER_GONE_ERROR)$/;

export const isLostConnection = (error: unknown): boolean => LOST.test(codeOf(error)) || /Connection lost|closed state|Can't add new command when connection is in closed state/i.test(errorMessage(error));

export function myConnectorError(error: unknown, to: MyTarget): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const code = codeOf(error);
  const errno = errnoOf(error);
  const message = errorMessage(error);
  const where = `${to.host}:${to.port}`;
  const cause = { cause: error };
  // 1045: wrong user or password (MariaDB also says so for a user that must log in over TLS).
  if ((code === 'ER_ACCESS_DENIED_ERROR' || errno === 1045) && /using password: NO/i.test(message)) {
    return new ConnectorError('auth', `MySQL at ${where} asks user "${to.user}" for a password, and none is saved for this connection — enter it in the connection's settings.`, cause);
  }
  if (code === 'ER_ACCESS_DENIED_ERROR' || errno === 1045) {
    const tlsHint = to.tls === 'disable' ? ' (if the user must connect over TLS, set TLS to "require")' : '';
    return new ConnectorError('auth', `MySQL at ${where} refused the password for user "${to.user}" — check the user name and the password in the connection's settings${tlsHint}.`, cause);
  }
  if (code === 'ER_NOT_SUPPORTED_AUTH_MODE') return new ConnectorError('auth', `MySQL at ${where} asks user "${to.user}" to log in with a method Concord does not support (${message}) — ask the database owner to use mysql_native_password or caching_sha2_password.`, cause);
  if (code === 'ER_BAD_DB_ERROR' || errno === 1049) return new ConnectorError('config', `MySQL at ${where} has no database "${to.database}" — check the database name in the connection's settings.`, cause);
  // 1044: MySQL gives a user the same answer for a database it may not use and one that does not exist.
  if (code === 'ER_DBACCESS_DENIED_ERROR' || errno === 1044) {
    return new ConnectorError('config', `MySQL at ${where} has no database "${to.database}" that user "${to.user}" may use — check the database name in the connection's settings, or ask the database owner to GRANT the user access to it.`, cause);
  }
  if (code === 'ER_TABLEACCESS_DENIED_ERROR' || code === 'ER_COLUMNACCESS_DENIED_ERROR' || code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR' || errno === 1142 || errno === 1143) {
    return new ConnectorError('auth', `MySQL user "${to.user}" lacks a privilege this needs (${message}) — ask the database owner to GRANT it, or connect as another user.`, cause);
  }
  if (code === 'ER_NO_SUCH_TABLE' || errno === 1146) return new ConnectorError('not-found', `A table is missing in MySQL database "${to.database}" (${message}) — it may have been dropped or renamed; choose the table again in the pair's settings.`, cause);
  if (code === 'ER_BAD_FIELD_ERROR' || errno === 1054) return new ConnectorError('config', `A column is missing in MySQL database "${to.database}" (${message}) — re-map the field in the pair's settings.`, cause);
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT' || /does not support secure connection/i.test(message)) {
    return new ConnectorError('config', `MySQL at ${where} does not accept TLS connections — set TLS to "disable" for this server, or enable TLS on the server.`, cause);
  }
  if (code === 'ER_SECURE_TRANSPORT_REQUIRED' || errno === 3159) return new ConnectorError('config', `MySQL at ${where} only accepts connections over TLS — set TLS to "require" or "verify-full".`, cause);
  if (/self[- ]signed|unable to (get|verify)|certificate|altnames|CERT_|DEPTH_ZERO/i.test(`${code} ${message}`)) {
    return new ConnectorError('config', `The TLS certificate of MySQL at ${where} could not be verified (${message}) — give the CA file that signed it, check that the host name matches the certificate, or use TLS "require" to encrypt without verifying.`, cause);
  }
  if (/^(ENOTFOUND|EAI_AGAIN)$/.test(code)) return new ConnectorError('unavailable', `Could not find the MySQL host "${to.host}" (${code}) — check the host name; Concord will retry.`, cause);
  if (isLostConnection(error) || /^(ECONNREFUSED|ETIMEDOUT)$/.test(code) || /connect ETIMEDOUT|timeout/i.test(message)) {
    return new ConnectorError('unavailable', `Could not reach MySQL at ${where} (${code || message}) — check the host and port, that the server is running and accepts TCP connections, and the network between; Concord will retry.`, cause);
  }
  // 1040 too many connections, 1053 shutting down, 1205/1213 lock wait and deadlock, 1317 interrupted.
  if (/^(1040|1053|1205|1213|1317|1927)$/.test(String(errno))) return new ConnectorError('unavailable', `MySQL at ${where} is not taking this work right now (${message}) — Concord will retry.`, cause);
  return new ConnectorError('invalid', `MySQL at ${where} refused: ${message}`, cause);
}

/** `Duplicate entry 'Ann@x' for key 'email'` (MySQL 8: `'contacts.email'`) → the value and the key's name. */
function duplicateOf(message: string): { value: string; key: string } | null {
  const m = /Duplicate entry '(.*)' for key '(?:[^'.]*\.)?([^']*)'/s.exec(message);
  return m ? { value: m[1] ?? '', key: m[2] ?? '' } : null;
}

/**
 * For a duplicate that the key's collation made (it compares text without regard to case or
 * accents): the value already stored, so the message names both. Null when that is not the case.
 */
async function collidingValue(s: SqlSession, t: SqlTable, database: string, key: string, value: string): Promise<{ column: string; stored: string; collation: string } | null> {
  const cols = (await s.query('SELECT COLUMN_NAME AS c FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = ? ORDER BY SEQ_IN_INDEX', [database, t.name, key])).rows;
  const column = cols.length === 1 ? String(cols[0]?.c) : null;
  if (!column) return null;
  const found = (await s.query(`SELECT t.${quoteIdent(column)} AS v, COLLATION(t.${quoteIdent(column)}) AS coll FROM ${t.ref} t WHERE t.${quoteIdent(column)} = ? LIMIT 1`, [value])).rows[0];
  const stored = found?.v;
  if (typeof stored !== 'string' || stored === value) return null;
  return { column, stored, collation: String(found?.coll ?? '') };
}

export async function myOpFailure(t: SqlTable, op: 'create' | 'update' | 'delete', error: unknown, database: string, s?: SqlSession): Promise<OpFailure> {
  const code = codeOf(error);
  const errno = errnoOf(error);
  const message = errorMessage(error);
  const refused = `Table "${t.name}" refused the ${op}`;
  if (code === 'ER_DUP_ENTRY' || errno === 1062) {
    const dup = duplicateOf(message);
    const other = dup && s ? await collidingValue(s, t, database, dup.key, dup.value).catch(() => null) : null;
    if (dup && other) {
      return {
        reason: 'invalid',
        message: `${refused}: "${dup.value}" collides with "${other.stored}", already in column "${other.column}" of another record — the column's collation (${other.collation}) compares them as equal (it ignores case), so the table cannot hold both. Change one of them, or match the two records on that field.`,
      };
    }
    return { reason: 'invalid', message: `${refused}: another record already holds the same value (${message}) — change one of them, or match them on that field.` };
  }
  if (code === 'ER_BAD_NULL_ERROR' || code === 'ER_NO_DEFAULT_FOR_FIELD' || errno === 1048 || errno === 1364) return { reason: 'invalid', message: `${refused}: ${message} — map a field onto that column, or give it a DEFAULT.` };
  if (code === 'ER_NO_REFERENCED_ROW_2' || errno === 1452) return { reason: 'invalid', message: `${refused}: it refers to a record that does not exist (${message}) — create that record first.` };
  if (code === 'ER_ROW_IS_REFERENCED_2' || errno === 1451) return { reason: 'invalid', message: `${refused}: other records refer to it (${message}) — delete or change those first.` };
  if (errno === 4025 || errno === 3819 || code === 'ER_CONSTRAINT_FAILED' || code === 'ER_CHECK_CONSTRAINT_VIOLATED') return { reason: 'invalid', message: `${refused}: a rule of the table does not allow this value (${message}).` };
  if (errno === 1142 || errno === 1143) return { reason: 'invalid', message: `${refused}: the user lacks the privilege (${message}) — ask the database owner to GRANT it, or make this side read-only.` };
  // 1366 with 4-byte UTF-8 bytes: an emoji (or another character outside the BMP) in a utf8mb3 column.
  if ((code === 'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD' || errno === 1366) && /\\xF0/i.test(message)) {
    const column = /for column [`']?(?:[^`'.]*[`']?\.[`']?)*([^`'.]+)[`']? at row/.exec(message)?.[1] ?? '?';
    return {
      reason: 'invalid',
      message: `${refused}: column "${column}" holds 3-byte "utf8" text and cannot store a character of this record (an emoji or another 4-byte character) — convert the table to utf8mb4 (ALTER TABLE ${t.ref} CONVERT TO CHARACTER SET utf8mb4) or remove the character.`,
    };
  }
  // Values a column's type cannot hold (text in a number column, a bad date, too long).
  if (/^(1264|1265|1292|1366|1406|1367|3140|4038|1690)$/.test(String(errno))) return { reason: 'invalid', message: `${refused}: a value does not fit its column (${message}) — check the field's mapping and transforms.` };
  if (/^(1205|1213)$/.test(String(errno))) return { reason: 'unavailable', message: `${refused} for now (${message}); Concord will retry.` };
  return { reason: 'invalid', message: `${refused}: ${message}` };
}
