/**
 * Every connector Concord knows. The engine asks a definition's capabilities, never its kind:
 * no `if (kind === …)` outside this list.
 */
import type { ConnectorInfo } from '../api/model';
import { ApiError } from '../api/errors';
import { describeConfig, secretKey } from './config-schema';
import { cardDavDefinition } from './carddav';
import { csvFileDefinition } from './csv-file';
import { mysqlDefinition } from './mysql';
import { postgresDefinition } from './postgres';
import { restDefinition } from './rest';
import { sqliteTableDefinition } from './sqlite-table';
import type { ConnectorDefinition } from './types';
import { vcardFolderDefinition } from './vcard-folder';

export const connectorDefinitions: readonly ConnectorDefinition[] = [sqliteTableDefinition, csvFileDefinition, postgresDefinition, mysqlDefinition, restDefinition, vcardFolderDefinition, cardDavDefinition];

export function getConnectorDefinition(kind: string): ConnectorDefinition {
  const found = connectorDefinitions.find((d) => d.kind === kind);
  if (!found) {
    throw new ApiError('not-found', `Concord has no connector "${kind}" — choose one of: ${connectorDefinitions.map((d) => d.kind).join(', ')}.`);
  }
  return found;
}

export const connectorInfo = (d: ConnectorDefinition): ConnectorInfo => ({
  kind: d.kind,
  label: d.label,
  description: d.description,
  configFields: describeConfig(d.configSchema),
  capabilities: d.capabilities,
  ...(d.presets && d.presets.length > 0 ? { presets: d.presets.map((p) => ({ ...p, config: { ...p.config } })) } : {}),
});

/** Whether connections of this kind hold a secret (a password, a token) in the credential store. */
export const takesSecret = (d: Pick<ConnectorDefinition, 'configSchema'>): boolean => secretKey(d.configSchema) !== undefined;
