// Connector presets (ready-made configs the wizard offers as "Start from: …"): generic over the
// registry — every preset of every connector is a config its form accepts as it is, ids are unique
// per connector, the status and notes are there, and `connectors/list` carries them.
import { describe, expect, it } from 'vitest';
import { checkConfig } from './config-check';
import { connectorDefinitions, connectorInfo } from './registry';

const withPresets = connectorDefinitions.filter((d) => (d.presets?.length ?? 0) > 0);

describe('connector presets', () => {
  it('the REST connector has presets; a connector without any lists none', () => {
    expect(withPresets.map((d) => d.kind)).toContain('rest');
    for (const d of connectorDefinitions.filter((x) => !x.presets)) expect(connectorInfo(d)).not.toHaveProperty('presets');
  });

  it.each(withPresets.map((d) => [d.kind, d] as const))('%s: every preset passes the config check as it is, with a status and notes, ids unique', (_kind, d) => {
    const ids = new Set<string>();
    for (const p of d.presets ?? []) {
      expect(ids.has(p.id)).toBe(false);
      ids.add(p.id);
      expect(['documentation', 'tested']).toContain(p.status);
      expect(p.notes.trim()).not.toBe('');
      const checked = checkConfig(d.configSchema, p.config, { stored: false });
      expect(checked.ok ? [] : checked.issues).toEqual([]);
    }
    expect(connectorInfo(d).presets).toEqual(d.presets);
  });
});
