import type { Side, WebhookPaths, WebhookSideSettings } from '../../../src-main/engine/api/model';

/** Each JSON path with the default the engine uses when it is left empty (sync/events/parse.ts). */
const PATHS: { key: keyof WebhookPaths; label: string; placeholder: string }[] = [
  { key: 'events', label: 'Array of events', placeholder: 'the body itself when it is an array' },
  { key: 'eventId', label: 'Event id (for deduplication)', placeholder: 'id' },
  { key: 'recordId', label: 'Record id', placeholder: 'record.id, then recordId' },
  { key: 'type', label: 'Event type', placeholder: 'type' },
  { key: 'record', label: 'Record (a fat event carries it)', placeholder: 'record' },
  { key: 'timestamp', label: 'Event time (for the replay window)', placeholder: 'none' },
];

/** An optional header setting: empty is left out (the engine takes its default then). */
export function withText(s: WebhookSideSettings, key: 'timestampHeader' | 'signatureHeader' | 'eventIdHeader', value: string): WebhookSideSettings {
  const next: WebhookSideSettings = { ...s };
  delete next[key];
  if (value.trim()) next[key] = value.trim();
  return next;
}

const SIGNATURE_DEFAULT = { github: 'X-Hub-Signature-256', stripe: 'Stripe-Signature', hex: 'X-Signature' } as const;

/**
 * A side's webhook settings most apps never need, collapsed: header names, and where in the JSON
 * body an event's parts are (dotted paths such as `data.object.id`). Empty boxes take the defaults
 * shown in them.
 */
export function WebhookAdvanced({ side, appName, settings: s, onChange }: { side: Side; appName: string; settings: WebhookSideSettings; onChange: (next: WebhookSideSettings) => void }) {
  const setPath = (key: keyof WebhookPaths, value: string) => {
    const { [key]: _old, ...rest } = s.paths ?? {};
    const paths: WebhookPaths = value.trim() ? { ...rest, [key]: value.trim() } : rest;
    const { paths: _p, ...without } = s;
    onChange(Object.keys(paths).length > 0 ? { ...s, paths } : without);
  };
  const setDeleteTypes = (value: string) => {
    const types = value.split(',').map((t) => t.trim()).filter(Boolean);
    const { deleteTypes: _d, ...without } = s;
    onChange(types.length > 0 ? { ...s, deleteTypes: types } : without);
  };
  return (
    <details className="webhook-advanced">
      <summary>Advanced: headers and the body’s paths ({appName})</summary>
      <label>
        Signature header
        <input aria-label={`Signature header of ${appName}`} placeholder={SIGNATURE_DEFAULT[s.scheme]} value={s.signatureHeader ?? ''} onChange={(e) => onChange(withText(s, 'signatureHeader', e.target.value))} />
      </label>
      <label>
        Event id header (e.g. X-GitHub-Delivery)
        <input aria-label={`Event id header of ${appName}`} placeholder="none" value={s.eventIdHeader ?? ''} onChange={(e) => onChange(withText(s, 'eventIdHeader', e.target.value))} />
      </label>
      {PATHS.map((p) => (
        <label key={p.key}>
          {p.label}
          <input aria-label={`${p.label} path of ${appName}`} name={`${side}-${p.key}`} placeholder={p.placeholder} value={s.paths?.[p.key] ?? ''} onChange={(e) => setPath(p.key, e.target.value)} />
        </label>
      ))}
      <label>
        Event types that mean a delete (comma-separated)
        {/* Taken when the box is left (a comma typed midway is no empty type); a new key after each save or discard shows the saved list. */}
        <input
          key={(s.deleteTypes ?? []).join(',')}
          aria-label={`Delete types of ${appName}`}
          placeholder="deleted, delete, removed, destroyed, *.deleted"
          defaultValue={(s.deleteTypes ?? []).join(', ')}
          onBlur={(e) => setDeleteTypes(e.target.value)}
        />
      </label>
    </details>
  );
}
