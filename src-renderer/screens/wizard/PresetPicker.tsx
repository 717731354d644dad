import { useState } from 'react';
import type { ConnectorPreset } from '../../../src-main/engine/api/model';

/**
 * "Start from": a connector's ready-made settings (the REST connector's shipped app profiles).
 * Choosing one replaces the settings typed so far; its notes say what is left to fill in and
 * whether it was ever tried against the live service.
 */
export function PresetPicker({ id, presets, onChoose }: { id: string; presets: readonly ConnectorPreset[]; onChoose: (preset: ConnectorPreset | null) => void }) {
  const [chosen, setChosen] = useState('');
  const preset = presets.find((p) => p.id === chosen) ?? null;
  return (
    <div className="form-row">
      <label htmlFor={id}>Start from</label>
      <select
        id={id}
        value={chosen}
        aria-describedby={preset ? `${id}-notes` : undefined}
        onChange={(e) => {
          setChosen(e.target.value);
          onChoose(presets.find((p) => p.id === e.target.value) ?? null);
        }}
      >
        <option value="">Nothing: fill in every setting</option>
        {presets.map((p) => (
          <option key={p.id} value={p.id}>
            {p.label}
          </option>
        ))}
      </select>
      {preset && (
        <p className="help" id={`${id}-notes`}>
          <strong>{preset.status === 'documentation' ? 'Written from the app’s documentation, not tested against the live service.' : 'Tested against the live service.'}</strong> {preset.notes}
        </p>
      )}
    </div>
  );
}
