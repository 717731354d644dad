import { useState } from 'react';
import type { ConfigFieldSpec, ConflictPolicy, PreviewExample, Side } from '../../../src-main/engine/api/model';
import { RunProgressBar, formatValue } from '../../components/widgets';
import { useConcord } from '../../store/react';
import { draftToConfig } from '../../store/wizard-slice';
import { POLICIES } from './MappingEditor';

const sideName = (side: Side): string => (side === 'left' ? 'App A' : 'App B');

/** Connector choice, then a form generated from its configFields; Test connection before Next. */
export function ConnectionStep({ side, secret, onSecret }: { side: Side; secret: string; onSecret: (v: string) => void }) {
  const connectors = useConcord((s) => s.connectors);
  const d = useConcord((s) => s.draft[side]);
  const patchSide = useConcord((s) => s.patchSide);
  const testConnection = useConcord((s) => s.testConnection);
  const [tested, setTested] = useState<string | null>(null);
  const connector = connectors?.find((c) => c.kind === d.connector);

  if (d.connection) {
    return (
      <div>
        <p>
          Connected to <strong>{d.connection.name}</strong> ({d.connection.connector}
          {d.connection.hasCredential ? ', credential saved in the keychain' : ''}).
        </p>
        <button type="button" onClick={() => patchSide(side, { connection: null, collections: null, collection: '' })}>
          Use a different connection
        </button>
      </div>
    );
  }
  if (!connectors) return <p className="muted">Loading the kinds of apps Concord can connect…</p>;

  const input = (f: ConfigFieldSpec) => {
    const id = `${side}-${f.key}`;
    const value = d.config[f.key];
    const secretField = f.secret || f.type === 'password';
    return (
      <div key={f.key} className="form-row">
        <label htmlFor={id}>
          {f.label}
          {f.required ? '' : ' (optional)'}
        </label>
        {f.type === 'select' ? (
          <select id={id} value={String(value ?? '')} onChange={(e) => patchSide(side, { config: { ...d.config, [f.key]: e.target.value } })}>
            <option value="">(choose)</option>
            {f.options?.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        ) : secretField ? (
          <input id={id} type="password" autoComplete="off" value={secret} onChange={(e) => onSecret(e.target.value)} />
        ) : (
          <input
            id={id}
            type={f.type === 'number' ? 'number' : 'text'}
            value={String(value ?? '')}
            onChange={(e) => patchSide(side, { config: { ...d.config, [f.key]: f.type === 'number' && e.target.value !== '' ? Number(e.target.value) : e.target.value } })}
          />
        )}
        {f.help && <p className="help">{f.help}</p>}
        {secretField && <p className="help">Stored in your system's keychain, never in Concord's database.</p>}
      </div>
    );
  };

  return (
    <div>
      <fieldset>
        <legend>Which app is {sideName(side)}?</legend>
        <div className="connector-grid">
          {connectors.map((c) => (
            <label key={c.kind} className={`connector-option${c.kind === d.connector ? ' chosen' : ''}`}>
              <input type="radio" name={`${side}-connector`} value={c.kind} checked={c.kind === d.connector} onChange={() => patchSide(side, { connector: c.kind, config: {} })} />
              <strong>{c.label}</strong>
              <span className="muted">{c.description}</span>
            </label>
          ))}
        </div>
      </fieldset>
      {connector && (
        <fieldset>
          <legend>{connector.label} settings</legend>
          <div className="form-row">
            <label htmlFor={`${side}-name`}>Connection name</label>
            <input id={`${side}-name`} value={d.name} placeholder={`My ${connector.label}`} onChange={(e) => patchSide(side, { name: e.target.value })} />
          </div>
          {connector.configFields.map(input)}
          <div className="actions">
            <button
              type="button"
              onClick={async () => {
                setTested(null);
                const ok = await testConnection(side, secret || undefined);
                if (ok) setTested(`Connection works: ${ok.collections} collection(s) found.`);
              }}
            >
              Test connection
            </button>
            <span role="status">{tested}</span>
          </div>
        </fieldset>
      )}
    </div>
  );
}

export function CollectionsStep() {
  const draft = useConcord((s) => s.draft);
  const patchSide = useConcord((s) => s.patchSide);
  const patchDraft = useConcord((s) => s.patchDraft);
  return (
    <div className="two-columns">
      {(['left', 'right'] as const).map((side) => (
        <div key={side} className="form-row">
          <label htmlFor={`${side}-collection`}>
            {sideName(side)} · {draft[side].connection?.name}
          </label>
          <select
            id={`${side}-collection`}
            value={draft[side].collection}
            onChange={(e) => {
              patchSide(side, { collection: e.target.value });
              // A new collection means new fields: the old mapping no longer applies.
              patchDraft({ fields: [], matchKeys: [] });
            }}
          >
            <option value="">(choose)</option>
            {draft[side].collections?.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name} ({c.fields.length} fields)
              </option>
            ))}
          </select>
        </div>
      ))}
    </div>
  );
}

function Examples({ title, items }: { title: string; items: PreviewExample[] }) {
  if (items.length === 0) return null;
  return (
    <details>
      <summary>
        Examples: {title} ({items.length})
      </summary>
      <ul className="examples">
        {items.map((ex, i) => (
          <li key={`${ex.key}-${i}`}>
            <code>{ex.key}</code>
            {ex.left && <span> · A: {Object.entries(ex.left).map(([k, v]) => `${k}=${formatValue(v)}`).join(', ')}</span>}
            {ex.right && <span> · B: {Object.entries(ex.right).map(([k, v]) => `${k}=${formatValue(v)}`).join(', ')}</span>}
          </li>
        ))}
      </ul>
    </details>
  );
}

/**
 * Matched records that differ only reach the inbox when the initial-match policy is manual: the
 * preview names what will really happen to them (the policy is chosen on the next step).
 */
export function differWording(policy: ConflictPolicy, master: Side): { label: string; help: string } {
  const next = 'You choose this on the next step.';
  switch (policy) {
    case 'manual':
      return { label: 'Differ — to the inbox', help: `Matched records that differ wait in the conflict inbox for you. ${next}` };
    case 'master':
      return { label: 'Differ — master wins', help: `Matched records that differ take ${sideName(master)}'s values (the master). ${next}` };
    case 'newest':
      return { label: 'Differ — newest wins', help: `Matched records that differ take the most recently changed values. ${next}` };
    case 'merge-numeric':
    case 'merge-set':
      return { label: 'Differ — merged', help: `Matched records that differ are merged by the policy. ${next}` };
  }
}

export function MatchStep() {
  const draft = useConcord((s) => s.draft);
  const preview = useConcord((s) => s.preview);
  const patchDraft = useConcord((s) => s.patchDraft);
  const loadPreview = useConcord((s) => s.loadPreview);
  const [loading, setLoading] = useState(false);
  const { label: differLabel, help: differHelp } = differWording(draft.initialMatchPolicy, draft.masterSide);
  return (
    <div>
      <fieldset>
        <legend>Match existing records on</legend>
        <p className="help">Records with equal values (ignoring case and spaces) are linked instead of created twice.</p>
        {draft.fields.map((f) => (
          <label key={f.name} className="check">
            <input
              type="checkbox"
              checked={draft.matchKeys.includes(f.name)}
              onChange={(e) => patchDraft({ matchKeys: e.target.checked ? [...draft.matchKeys, f.name] : draft.matchKeys.filter((k) => k !== f.name) })}
            />
            {f.name}
          </label>
        ))}
      </fieldset>
      <div className="actions">
        <button
          type="button"
          disabled={draft.matchKeys.length === 0 || loading}
          onClick={async () => {
            setLoading(true);
            await loadPreview();
            setLoading(false);
          }}
        >
          {loading ? 'Reading both apps…' : 'Preview the first sync'}
        </button>
      </div>
      {preview && (
        <div className="preview" role="region" aria-label="Preview">
          <dl className="preview-counts">
            <div><dt>Matched</dt><dd>{preview.matched}</dd></div>
            <div><dt>To create in A</dt><dd>{preview.createOnLeft}</dd></div>
            <div><dt>To create in B</dt><dd>{preview.createOnRight}</dd></div>
            <div><dt>{differLabel}</dt><dd>{preview.conflicts}</dd></div>
            <div><dt>Ambiguous</dt><dd>{preview.ambiguous}</dd></div>
          </dl>
          <p className="muted">
            A holds {preview.leftTotal} records, B holds {preview.rightTotal}. {differHelp} Ambiguous matches go to the conflict inbox, never doubled.
          </p>
          <Examples title="Matched" items={preview.examples.matched} />
          <Examples title="To create in A" items={preview.examples.createOnLeft} />
          <Examples title="To create in B" items={preview.examples.createOnRight} />
          <Examples title={differLabel} items={preview.examples.conflicts} />
          <Examples title="Ambiguous" items={preview.examples.ambiguous} />
        </div>
      )}
    </div>
  );
}

export function PoliciesStep() {
  const draft = useConcord((s) => s.draft);
  const patchDraft = useConcord((s) => s.patchDraft);
  const policy = (id: string) => POLICIES.find((p) => p.id === id)?.id ?? 'manual';
  return (
    <div>
      <fieldset>
        <legend>Master side</legend>
        {(['left', 'right'] as const).map((side) => (
          <label key={side} className="check">
            <input type="radio" name="master" checked={draft.masterSide === side} onChange={() => patchDraft({ masterSide: side })} />
            {sideName(side)} ({draft[side].connection?.name}) is the master
          </label>
        ))}
      </fieldset>
      <div className="form-row">
        <label htmlFor="conflict-policy">When both apps change the same field</label>
        <select id="conflict-policy" value={draft.conflictPolicy} onChange={(e) => patchDraft({ conflictPolicy: policy(e.target.value) })}>
          {POLICIES.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
      </div>
      <div className="form-row">
        <label htmlFor="initial-policy">When a first sync links two records that differ</label>
        <select id="initial-policy" value={draft.initialMatchPolicy} onChange={(e) => patchDraft({ initialMatchPolicy: policy(e.target.value) })}>
          {POLICIES.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
      </div>
      <fieldset>
        <legend>Deletes</legend>
        <label className="check">
          <input type="checkbox" checked={draft.deletes.propagate} onChange={(e) => patchDraft({ deletes: { ...draft.deletes, propagate: e.target.checked } })} />
          Delete a record on the other side when it is deleted on one side
        </label>
        <div className="form-row">
          <label htmlFor="mass-delete">Stop and ask when a run would delete more than (%)</label>
          <input
            id="mass-delete"
            type="number"
            min={1}
            max={100}
            value={Math.round(draft.deletes.massDeleteThreshold * 100)}
            onChange={(e) => patchDraft({ deletes: { ...draft.deletes, massDeleteThreshold: Number(e.target.value) / 100 } })}
          />
        </div>
      </fieldset>
    </div>
  );
}

const INTERVALS: { label: string; seconds: number | null }[] = [
  { label: 'Only when I press Sync now', seconds: null },
  { label: 'Every minute', seconds: 60 },
  { label: 'Every 5 minutes', seconds: 300 },
  { label: 'Every 15 minutes', seconds: 900 },
  { label: 'Every hour', seconds: 3600 },
  { label: 'Every day', seconds: 86400 },
];

export function ScheduleStep() {
  const draft = useConcord((s) => s.draft);
  const patchDraft = useConcord((s) => s.patchDraft);
  return (
    <fieldset>
      <legend>How often should Concord sync this pair?</legend>
      {INTERVALS.map((i) => (
        <label key={i.label} className="check">
          <input type="radio" name="interval" checked={draft.intervalSeconds === i.seconds} onChange={() => patchDraft({ intervalSeconds: i.seconds })} />
          {i.label}
        </label>
      ))}
    </fieldset>
  );
}

export function ReviewStep() {
  const draft = useConcord((s) => s.draft);
  const createdPairId = useConcord((s) => s.createdPairId);
  const progress = useConcord((s) => (createdPairId ? s.progress[createdPairId] : undefined));
  const pair = useConcord((s) => s.pairs.find((p) => p.id === createdPairId));
  const patchDraft = useConcord((s) => s.patchDraft);
  const createPair = useConcord((s) => s.createPair);
  const resetWizard = useConcord((s) => s.resetWizard);
  const navigate = useConcord((s) => s.navigate);
  const [busy, setBusy] = useState(false);
  const config = draftToConfig(draft);

  if (createdPairId) {
    const running = pair?.running || progress;
    return (
      <div>
        <p>The pair was created. {running ? 'Its first sync is running:' : pair?.lastRun ? `First sync: ${pair.lastRun.status}.` : ''}</p>
        <div className="progress-slot">{running && <RunProgressBar progress={progress} label="First sync progress" />}</div>
        <div className="actions">
          <button
            type="button"
            className="primary"
            onClick={() => {
              resetWizard();
              navigate({ name: 'pair', pairId: createdPairId, tab: 'runs' });
            }}
          >
            Open the pair
          </button>
        </div>
      </div>
    );
  }

  return (
    <div>
      <div className="form-row">
        <label htmlFor="pair-name">Pair name</label>
        <input id="pair-name" value={draft.name} placeholder={config.name} onChange={(e) => patchDraft({ name: e.target.value })} />
      </div>
      <dl className="facts">
        <dt>App A</dt>
        <dd>
          {draft.left.connection?.name} · {draft.left.collection}
        </dd>
        <dt>App B</dt>
        <dd>
          {draft.right.connection?.name} · {draft.right.collection}
        </dd>
        <dt>Fields</dt>
        <dd>{config.fields.map((f) => f.name).join(', ')}</dd>
        <dt>Matched on</dt>
        <dd>{config.matchKeys.join(', ')}</dd>
        <dt>Master</dt>
        <dd>{sideName(config.masterSide)}</dd>
        <dt>Conflicts</dt>
        <dd>{POLICIES.find((p) => p.id === config.conflictPolicy)?.label}</dd>
        <dt>Schedule</dt>
        <dd>{INTERVALS.find((i) => i.seconds === config.schedule.intervalSeconds)?.label ?? `${config.schedule.intervalSeconds} s`}</dd>
      </dl>
      <button
        type="button"
        className="primary"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          await createPair();
          setBusy(false);
        }}
      >
        {busy ? 'Creating…' : 'Create the pair and run the first sync'}
      </button>
    </div>
  );
}
