/**
 * Connections: a connector kind plus its config, in the `connections` table, and a secret in the
 * credential store under `connection:<id>` — never in SQLite, never sent to the renderer (which
 * only learns `hasCredential`). The sync domain opens connectors through this service.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionSummary } from '../api/model';
import { ApiError, notFound } from '../api/errors';
import type { EngineContext } from '../context';
import { assertConfig, type SecretState } from '../connectors/config-check';
import { getConnectorDefinition, takesSecret as definitionTakesSecret } from '../connectors/registry';
import { createSecretHandles, memorySecretHandle } from '../credentials/secret-handle';
import { confineConfig } from './files-root';
import type { Connector, ConnectorDefinition, SecretHandle } from '../connectors/types';

export type ConnectionConfig = Record<string, string | number | boolean>;

type Row = { id: string; name: string; connector: string; config_json: string; created_at: string; updated_at: string };

/** How the rest of the engine reaches a connection: the sync domain opens connectors through this. */
export interface ConnectionService {
  /** Synchronous, so `hasCredential` is not looked up here (always false): use `summary` for the UI. */
  get(connectionId: string): ConnectionSummary;
  definition(connectionId: string): ConnectorDefinition;
  /** Opens a connector for the connection; its secret is read from the credential store on demand. */
  open(connectionId: string): Connector;
}

export type ConnectionStore = ConnectionService & {
  list(): Promise<ConnectionSummary[]>;
  /** The summary with `hasCredential` filled in from the credential store. */
  summary(connectionId: string): Promise<ConnectionSummary>;
  create(input: { name: string; connector: string; config: ConnectionConfig; secret?: string }): Promise<ConnectionSummary>;
  update(input: { connectionId: string; name?: string; config?: ConnectionConfig; secret?: string | null }): Promise<ConnectionSummary>;
  delete(connectionId: string): Promise<void>;
  /**
   * A connector for a draft that is not saved yet (the wizard's "Test" button). `handle`: the
   * draft's own secret handle (an OAuth sign-in's), so a secret the connector rotates is kept.
   */
  openDraft(connector: string, config: ConnectionConfig, secret?: string, handle?: SecretHandle): Connector;
  /** The connection's secret handle (an OAuth sign-in stores its refresh token through it). */
  secretHandle(connectionId: string): SecretHandle;
};

export const credentialAccount = (connectionId: string): string => `connection:${connectionId}`;

/**
 * The config as it is stored: checked against the connector's schema (a problem per field, as an
 * invalid-input error) and normalised (empty boxes and hidden fields left out, text trimmed).
 */
export function validateConfig(definition: ConnectorDefinition, config: ConnectionConfig, secret?: SecretState): ConnectionConfig {
  return assertConfig(definition, config, secret);
}

/**
 * `changed`: told after a connection's config or secret changed or it was deleted (the engine's
 * connector pool closes the connectors opened with the old settings).
 */
export function createConnectionService(ctx: EngineContext, hooks: { changed?: (connectionId: string) => Promise<void> | void } = {}): ConnectionStore {
  const { db, credentials } = ctx;
  const row = (id: string): Row => {
    const r = db.prepare('SELECT * FROM connections WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw notFound('Connection', id);
    return r;
  };
  // `hasCredential` is filled by `summary`/`list`; `get` is synchronous for the sync domain.
  const toSummary = (r: Row, hasCredential: boolean): ConnectionSummary => ({
    id: r.id,
    name: r.name,
    connector: r.connector,
    config: JSON.parse(r.config_json) as ConnectionConfig,
    hasCredential,
    createdAt: r.created_at,
  });
  // Connectors without a secret field (local files) work on a machine whose keychain is missing:
  // for them an unreachable credential store means "no credential", not an error.
  const takesSecret = (connector: string) => definitionTakesSecret(getConnectorDefinition(connector));
  const has = async (r: Row): Promise<boolean> => {
    const lookup = credentials.has(credentialAccount(r.id));
    return takesSecret(r.connector) ? lookup : lookup.catch(() => false);
  };
  const dataDir = (id: string) => join(ctx.dataDir, 'connectors', id);
  // One set of handles for the engine: refreshes of one credential are single-flight across every connector of it.
  const secrets = createSecretHandles(credentials);
  // Every path the config names, checked against the files root (a no-op on the desktop).
  const confine = (definition: ConnectorDefinition, config: ConnectionConfig) => confineConfig(definition, config, ctx.files, ctx.dataDir);

  const service: ConnectionStore = {
    get: (id) => toSummary(row(id), false),
    definition: (id) => getConnectorDefinition(row(id).connector),
    open(id) {
      const r = row(id);
      const definition = getConnectorDefinition(r.connector);
      // Checked on every open, not only when saved: a file swapped for a symlink later is caught here.
      const { open } = confine(definition, JSON.parse(r.config_json) as ConnectionConfig);
      return definition.create({ config: open, secret: secrets.handle(credentialAccount(id)), dataDir: dataDir(id) });
    },
    openDraft(connector, config, secret, handle) {
      const definition = getConnectorDefinition(connector);
      const { open } = confine(definition, validateConfig(definition, config, { secret, stored: false }));
      return definition.create({ config: open, secret: handle ?? memorySecretHandle(secret ?? null), dataDir: join(ctx.dataDir, 'connectors', 'draft') });
    },
    secretHandle(id) {
      row(id);
      return secrets.handle(credentialAccount(id));
    },
    async list() {
      const rows = db.prepare('SELECT * FROM connections ORDER BY name COLLATE NOCASE, id').all() as Row[];
      return Promise.all(rows.map(async (r) => toSummary(r, await has(r))));
    },
    async summary(id) {
      const r = row(id);
      return toSummary(r, await has(r));
    },
    async create({ name, connector, config, secret }) {
      const definition = getConnectorDefinition(connector);
      const checked = confine(definition, validateConfig(definition, config, { secret, stored: false })).stored;
      const id = randomUUID();
      // The secret goes first: a failing keychain must not leave a connection that cannot log in.
      if (secret) await credentials.set(credentialAccount(id), secret);
      const now = new Date().toISOString();
      db.prepare('INSERT INTO connections (id, name, connector, config_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, name, connector, JSON.stringify(checked), now, now);
      return service.summary(id);
    },
    async update({ connectionId, name, config, secret }) {
      const r = row(connectionId);
      // A secret left out keeps the stored one; `null` removes it, which a required secret forbids.
      const definition = getConnectorDefinition(r.connector);
      const checked = config ? confine(definition, validateConfig(definition, config, secret === null ? { stored: false } : { secret: secret ?? undefined })).stored : undefined;
      if (secret === null) await credentials.delete(credentialAccount(connectionId));
      else if (secret !== undefined) await credentials.set(credentialAccount(connectionId), secret);
      db.prepare('UPDATE connections SET name = ?, config_json = ?, updated_at = ? WHERE id = ?').run(name ?? r.name, checked ? JSON.stringify(checked) : r.config_json, new Date().toISOString(), connectionId);
      if (config || secret !== undefined) await hooks.changed?.(connectionId);
      return service.summary(connectionId);
    },
    async delete(id) {
      const r = row(id);
      try {
        db.prepare('DELETE FROM connections WHERE id = ?').run(id);
      } catch (error) {
        // A pair still uses it (foreign key): say so instead of a constraint code.
        if (String((error as { code?: unknown }).code ?? '').startsWith('SQLITE_CONSTRAINT')) {
          throw new ApiError('conflict', 'This connection is used by a pair — delete or change the pair first.', undefined, { cause: error });
        }
        throw error;
      }
      await hooks.changed?.(id);
      // Its connectors are closed (no pair uses it): what they kept in its own folder goes too.
      rmSync(dataDir(id), { recursive: true, force: true });
      const removal = credentials.delete(credentialAccount(id));
      await (takesSecret(r.connector) ? removal : removal.catch(() => false));
    },
  };
  return service;
}
