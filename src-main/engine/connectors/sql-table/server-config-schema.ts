/**
 * The settings form of a database server connection (PostgreSQL, MySQL / MariaDB), one schema
 * for every server dialect: host, port, database, user and password, or a connection string; TLS
 * and its CA file; the change-detection columns. A dialect gives its usual port, an example
 * connection string, its words for the column types, and its cross-field check
 * (`validate`, whose messages name what to fill in; server-config.ts).
 */
import { z } from 'zod';
import { field, path, secret, text } from '../config-schema';
import { TLS_MODES } from './server-config';

export type ServerFormSpec = {
  defaultPort: number;
  /** e.g. `postgres://user@host:5432/database?sslmode=require`. */
  exampleUrl: string;
  /** What TLS "Encrypted" and "certificate checked" are called in the database's own words. */
  tlsWords: { require: string; verifyFull: string };
  updatedAtHelp: string;
  flagHelp: string;
  validate: (config: Record<string, unknown>) => string[];
};

export function serverConfigSchema(spec: ServerFormSpec) {
  return z
    .object({
      // Host, database and user are needed unless a connection string says them (`validate` checks it).
      host: text({ label: 'Host', group: 'Server', requiredUnless: 'connectionString', help: 'The server’s name or address, e.g. db.example.com. Leave empty when you give a connection string.' }).optional(),
      port: field(z.number().int().min(1).max(65535), { label: 'Port', group: 'Server', placeholder: String(spec.defaultPort), help: `${spec.defaultPort} unless the server says otherwise.` }).optional(),
      database: text({ label: 'Database', group: 'Server', requiredUnless: 'connectionString' }).optional(),
      user: text({ label: 'User', group: 'Server', requiredUnless: 'connectionString' }).optional(),
      password: secret({ label: 'Password', group: 'Server', help: 'Kept in the system keychain, never in Concord’s files.' }).optional(),
      connectionString: text({ label: 'Connection string', group: 'Server', help: `Instead of host, port, database and user: ${spec.exampleUrl} (without the password).` }).optional(),
      tls: field(z.enum(TLS_MODES), {
        label: 'TLS',
        group: 'Security',
        // Empty: the connection string's TLS setting, else off (server-config.ts).
        placeholder: 'Off, or as the connection string says',
        help: `Encrypted: the connection is encrypted, any certificate is taken (${spec.tlsWords.require}). Certificate checked: the server’s certificate and name are checked too (${spec.tlsWords.verifyFull}).`,
        optionLabels: { disable: 'Off', require: 'Encrypted', 'verify-full': 'Encrypted, certificate checked' },
      }).optional(),
      caFile: path({ label: 'CA certificate file', group: 'Security', help: 'For verify-full with a private CA: the PEM file that signed the server’s certificate.', showWhen: { key: 'tls', in: ['verify-full'] } }).optional(),
      updatedAtColumn: text({ label: 'Last-modified column', group: 'Change detection', help: spec.updatedAtHelp }).optional(),
      flagColumn: text({ label: 'Sync flag column', group: 'Change detection', help: spec.flagHelp }).optional(),
    })
    .check((ctx) => {
      for (const message of spec.validate(ctx.value)) {
        const at = /connection string/i.test(message) ? 'connectionString' : /CA file/.test(message) ? 'caFile' : /database/i.test(message) ? 'database' : /user/i.test(message) ? 'user' : /port/i.test(message) ? 'port' : 'host';
        // A field its own type already refused (a port of 70000) is not reported twice.
        if (!ctx.issues.some((i) => i.path?.[0] === at)) ctx.issues.push({ code: 'custom', input: ctx.value, path: [at], message });
      }
    });
}
