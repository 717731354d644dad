/**
 * What a PostgreSQL or network error means for a user, and what to do about it. Connection-level
 * errors become ConnectorErrors (`pgConnectorError`); an error of one write op becomes that op's
 * failure only (`pgOpFailure`), so the rest of its batch is written.
 *
 * SQLSTATE codes: postgresql.org/docs/current/errcodes-appendix.html.
 */
import { ConnectorError, errorMessage } from '../errors';
import type { OpFailure, SqlTable } from '../sql-table/dialect';

export type PgTarget = { host: string; port: number; database: string; user: string; tls: string };

const codeOf = (error: unknown): string => String((error as { code?: unknown } | null)?.code ?? '');
const detailOf = (error: unknown): string => {
  const detail = (error as { detail?: unknown } | null)?.detail;
  return typeof detail === 'string' ? detail : '';
};

export function pgConnectorError(error: unknown, to: PgTarget): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const code = codeOf(error);
  const message = errorMessage(error);
  const where = `${to.host}:${to.port}`;
  const cause = { cause: error };
  // 28P01 invalid_password; 28000 invalid_authorization_specification (no pg_hba entry, no such role).
  if (code === '28P01') return new ConnectorError('auth', `PostgreSQL at ${where} refused the password for user "${to.user}" — check the user name and the password in the connection's settings.`, cause);
  if (/password must be a (non-empty )?string|no password/i.test(message)) {
    return new ConnectorError('auth', `PostgreSQL at ${where} asks user "${to.user}" for a password, and none is saved for this connection — enter it in the connection's settings.`, cause);
  }
  if (code === '28000') return new ConnectorError('auth', `PostgreSQL at ${where} does not let user "${to.user}" log in to database "${to.database}" (${message}) — check the user name, or ask the database owner to allow this login (pg_hba.conf).`, cause);
  if (code === '3D000') return new ConnectorError('config', `PostgreSQL at ${where} has no database "${to.database}" — check the database name in the connection's settings.`, cause);
  if (code === '42501') return new ConnectorError('auth', `PostgreSQL user "${to.user}" lacks a privilege this needs (${message}) — ask the database owner to GRANT it, or connect as another user.`, cause);
  if (code === '42P01') return new ConnectorError('not-found', `A table is missing in PostgreSQL database "${to.database}" (${message}) — it may have been dropped or renamed; choose the table again in the pair's settings.`, cause);
  if (code === '42703') return new ConnectorError('config', `A column is missing in PostgreSQL database "${to.database}" (${message}) — re-map the field in the pair's settings.`, cause);
  if (/does not support SSL/i.test(message)) {
    return new ConnectorError('config', `PostgreSQL at ${where} does not accept TLS connections — set TLS to "disable" for this server, or enable ssl on the server.`, cause);
  }
  if (/pg_hba\.conf.*(no encryption|SSL off)/i.test(message)) {
    return new ConnectorError('config', `PostgreSQL at ${where} only accepts this login over TLS — set TLS to "require" or "verify-full".`, cause);
  }
  if (/self[- ]signed|unable to (get|verify)|certificate|altnames|CERT_|DEPTH_ZERO/i.test(`${code} ${message}`)) {
    return new ConnectorError('config', `The TLS certificate of PostgreSQL at ${where} could not be verified (${message}) — give the CA file that signed it, check that the host name matches the certificate, or use TLS "require" to encrypt without verifying.`, cause);
  }
  if (/^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET|EPIPE)$/.test(code) || /timeout expired|Connection terminated|connect ETIMEDOUT/i.test(message)) {
    return new ConnectorError('unavailable', `Could not reach PostgreSQL at ${where} (${code || message}) — check the host and port, that the server is running and accepts TCP connections, and the network between; Concord will retry.`, cause);
  }
  // 57P01..03: the server is shutting down or restarting; 53300: too many connections; 08xxx: connection failure.
  if (/^(57P0[1-3]|53300|53\d\d\d|08\d\d\d)$/.test(code)) {
    return new ConnectorError('unavailable', `PostgreSQL at ${where} is not taking work right now (${message}) — Concord will retry.`, cause);
  }
  if (code === '57014') return new ConnectorError('unavailable', `PostgreSQL at ${where} cancelled a statement (${message}) — Concord will retry.`, cause);
  return new ConnectorError('invalid', `PostgreSQL at ${where} refused: ${message}`, cause);
}

export function pgOpFailure(t: SqlTable, op: 'create' | 'update' | 'delete', error: unknown): OpFailure {
  const code = codeOf(error);
  const message = errorMessage(error);
  const detail = detailOf(error);
  const refused = `Table "${t.name}" refused the ${op}`;
  // 23505 unique_violation: the detail names the key and value (`Key (email)=(a@x) already exists.`).
  if (code === '23505') return { reason: 'invalid', message: `${refused}: another record already holds the same value (${detail || message}) — change one of them, or match them on that field.` };
  if (code === '23502') return { reason: 'invalid', message: `${refused}: ${message} — map a field onto that column, or give it a DEFAULT.` };
  if (code === '23503') return { reason: 'invalid', message: `${refused}: it refers to a record that does not exist (${detail || message}) — create that record first.` };
  if (code === '23514' || code === '23P01') return { reason: 'invalid', message: `${refused}: a rule of the table does not allow this value (${message}).` };
  if (code === '42501') return { reason: 'invalid', message: `${refused}: the user lacks the privilege (${message}) — ask the database owner to GRANT it, or make this side read-only.` };
  // 22xxx data exceptions: a value the column's type cannot hold (text in a number column, a bad date).
  if (code.startsWith('22')) return { reason: 'invalid', message: `${refused}: a value does not fit its column (${message}) — check the field's mapping and transforms.` };
  // 40001 serialization_failure, 40P01 deadlock_detected, 55P03 lock_not_available: try again later.
  if (/^(40001|40P01|55P03)$/.test(code)) return { reason: 'unavailable', message: `${refused} for now (${message}); Concord will retry.` };
  return { reason: 'invalid', message: `${refused}: ${message}` };
}
