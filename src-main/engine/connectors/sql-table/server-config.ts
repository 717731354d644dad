/**
 * A database server connection's config (PostgreSQL, MySQL) → host, port, database, user and TLS.
 * Either the fields, or a connection string (`scheme://user@host:port/db?…`) — the password never:
 * it goes to the keychain. The connection string is parsed here rather than handed to a driver, so
 * nothing in it (nor an environment variable the driver reads) silently overrides the fields or
 * the TLS mode. Each database says its schemes, its usual port and how its URLs name TLS.
 */
import { existsSync, readFileSync } from 'node:fs';

export const TLS_MODES = ['disable', 'require', 'verify-full'] as const;
export type TlsMode = (typeof TLS_MODES)[number];

export type ServerSettings = { host: string; port: number; database: string; user: string; tls: TlsMode; caFile?: string };

export type ServerConfigSpec = {
  /** In messages: "PostgreSQL". */
  product: string;
  /** URL schemes without the colon, the first the one messages show (`postgres`, `postgresql`). */
  schemes: string[];
  defaultPort: number;
  /** The TLS mode and CA file a connection string names in its query. */
  tlsFromUrl(params: URLSearchParams): { tls: TlsMode; caFile?: string };
};

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

function fromUrl(text: string, spec: ServerConfigSpec): ServerSettings | string {
  const example = `${spec.schemes[0] ?? ''}://user@host:${spec.defaultPort}/database`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `The connection string is not a URL — write it as ${example}.`;
  }
  if (!spec.schemes.includes(url.protocol.replace(/:$/, ''))) {
    const [first, ...others] = spec.schemes.map((s) => `${s}://`);
    return `The connection string must start with ${first}${others.length > 0 ? ` (or ${others.join(', ')})` : ''}.`;
  }
  if (url.password) return 'Remove the password from the connection string and put it in the Password field: Concord keeps passwords in the keychain only.';
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(url.username);
  if (!url.hostname) return 'The connection string names no host.';
  if (!database) return `The connection string names no database (${example}).`;
  if (!user) return `The connection string names no user (${example}).`;
  const { tls, caFile } = spec.tlsFromUrl(url.searchParams);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : spec.defaultPort, database, user, tls, ...(caFile ? { caFile } : {}) };
}

/** The settings, or the problems a user can act on (each naming what to fill in). */
export function parseServerConfig(config: Record<string, unknown>, spec: ServerConfigSpec): ServerSettings | string[] {
  const problems: string[] = [];
  const tlsRaw = str(config.tls);
  if (tlsRaw !== undefined && !(TLS_MODES as readonly string[]).includes(tlsRaw)) problems.push(`TLS must be one of: ${TLS_MODES.join(', ')}.`);
  const caFile = str(config.caFile);
  const cs = str(config.connectionString);
  let parsed: ServerSettings | null = null;
  if (cs) {
    const r = fromUrl(cs, spec);
    if (typeof r === 'string') problems.push(r);
    else parsed = r;
  } else {
    const host = str(config.host);
    const database = str(config.database);
    const user = str(config.user);
    const port = config.port === undefined || config.port === '' ? spec.defaultPort : Number(config.port);
    if (!host) problems.push('Enter the server’s host name (or a connection string).');
    if (!database) problems.push('Enter the database name.');
    if (!user) problems.push('Enter the user name.');
    if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`The port must be a whole number from 1 to 65535 (${spec.product}’s usual port is ${spec.defaultPort}).`);
    if (host && database && user) parsed = { host, port, database, user, tls: 'disable' };
  }
  if (problems.length > 0 || !parsed) return problems;
  if (tlsRaw) parsed.tls = tlsRaw as TlsMode;
  if (caFile) parsed.caFile = caFile;
  if (parsed.caFile && !existsSync(parsed.caFile)) problems.push(`The CA file ${parsed.caFile} does not exist — check the path.`);
  return problems.length > 0 ? problems : parsed;
}

/**
 * The driver's TLS options: none; encrypted with any certificate taken (`require`, as libpq's
 * `sslmode=require` and MySQL's `--ssl-mode=REQUIRED`); or the certificate and host name checked
 * against the CA file (or the system's CAs).
 */
export function tlsOptions(s: ServerSettings): false | { rejectUnauthorized: boolean; ca?: string } {
  if (s.tls === 'disable') return false;
  if (s.tls === 'require') return { rejectUnauthorized: false };
  return { rejectUnauthorized: true, ...(s.caFile ? { ca: readFileSync(s.caFile, 'utf8') } : {}) };
}
