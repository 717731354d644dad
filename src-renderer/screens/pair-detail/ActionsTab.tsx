import { useEffect, useState, type FormEvent } from 'react';
import type { ApiCallError } from '../../api/call';
import { ErrorMessage } from '../../components/ErrorMessage';
import { ListTable } from '../../components/ListTable';
import { plural } from '../../components/plural';
import { useBusy } from '../../components/use-busy';
import { ConfirmDialog, Time } from '../../components/widgets';
import type { ActionEventName, ActionInfo, ActionKind, DeliveryInfo } from '../../../src-main/engine/api/model';
import { DELIVERY_PAGE } from '../../store/actions-slice';
import { useConcord } from '../../store/react';

/** Every event an action can fire on, in the words of the checkboxes (the engine's ACTION_EVENTS). */
const EVENTS: { id: ActionEventName; label: string }[] = [
  { id: 'conflict.opened', label: 'A conflict opens' },
  { id: 'record.failed', label: 'A record fails' },
  { id: 'pair.failing', label: 'The pair starts failing' },
  { id: 'pair.recovered', label: 'The pair recovers' },
  { id: 'run.finished', label: 'A run finishes' },
];
const eventLabel = (id: string): string => EVENTS.find((e) => e.id === id)?.label ?? (id === 'test' ? 'Test event' : id);
const target = (a: { kind: ActionKind; url: string | null }): string => (a.kind === 'url' ? (a.url ?? '') : 'Desktop notification');

/**
 * The pair's workflow actions: call a URL (signed) or show a desktop notification when something
 * happens, and every delivery with its answer and a Redeliver button.
 */
export function ActionsTab({ pairId }: { pairId: string }) {
  const state = useConcord((s) => s.pairActions[pairId]);
  const load = useConcord((s) => s.loadActions);
  useEffect(() => void load(pairId), [load, pairId]);
  return (
    <>
      <p className="muted">
        Concord can call your own URL (a signed JSON POST; see “Workflow actions” in the README for checking the signature) or show a
        desktop notification when something happens in this pair. A conflict or failed record is sent once per run, with up to 100 of
        them and their count.
      </p>
      <ErrorMessage error={state?.error} />
      {state?.secret && <SecretOnce pairId={pairId} secret={state.secret.secret} />}
      <ActionList pairId={pairId} actions={state?.actions ?? null} />
      <AddAction pairId={pairId} />
      <h2>Deliveries</h2>
      <Deliveries pairId={pairId} />
    </>
  );
}

function SecretOnce({ pairId, secret }: { pairId: string; secret: string }) {
  const dismiss = useConcord((s) => s.dismissSecret);
  return (
    <div className="setting secret-once" role="status" aria-label="Signing secret">
      <p>
        <strong>The signing secret, shown this once.</strong> Copy it to the receiving app now: Concord keeps it in the system keychain and
        will not show it again (rotate it to get a new one).
      </p>
      <p>
        <code className="secret-value">{secret}</code>
      </p>
      <button type="button" onClick={() => dismiss(pairId)}>
        Done, I have copied it
      </button>
    </div>
  );
}

function ActionList({ pairId, actions }: { pairId: string; actions: ActionInfo[] | null }) {
  const update = useConcord((s) => s.updateAction);
  const remove = useConcord((s) => s.deleteAction);
  const rotate = useConcord((s) => s.rotateSecret);
  const test = useConcord((s) => s.sendTest);
  const [busy, whileBusy] = useBusy();
  const [deleting, setDeleting] = useState<ActionInfo | null>(null);
  return (
    <>
      <ListTable
        label="Actions"
        items={actions}
        empty="No actions yet. Add one below to call a URL or show a notification when something happens in this pair."
        columns={['Calls', 'When', 'State', { hidden: 'Buttons' }]}
        row={(a) => (
          <>
            <td className="breakable">{target(a)}</td>
            <td>{a.events.map(eventLabel).join(', ')}</td>
            <td>
              {a.enabled ? 'On' : <span className="muted">Off</span>}
            </td>
            <td>
              <div className="actions">
                <button type="button" disabled={busy} aria-label={`${a.enabled ? 'Turn off' : 'Turn on'} ${target(a)}`} onClick={() => void whileBusy(() => update(pairId, a.id, { enabled: !a.enabled }))}>
                  {a.enabled ? 'Turn off' : 'Turn on'}
                </button>
                <button type="button" disabled={busy} aria-label={`Send a test event to ${target(a)}`} onClick={() => void whileBusy(() => test(pairId, a.id))}>
                  Send test
                </button>
                {a.kind === 'url' && (
                  <button type="button" disabled={busy} aria-label={`Rotate the secret of ${target(a)}`} onClick={() => void whileBusy(() => rotate(pairId, a.id))}>
                    Rotate secret
                  </button>
                )}
                <button type="button" disabled={busy} aria-label={`Delete the action ${target(a)}`} onClick={() => setDeleting(a)}>
                  Delete
                </button>
              </div>
            </td>
          </>
        )}
      />
      <ConfirmDialog
        open={deleting !== null}
        title={deleting ? `Delete the action “${target(deleting)}”?` : ''}
        confirmLabel="Delete"
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          const a = deleting;
          setDeleting(null);
          if (a) void whileBusy(() => remove(pairId, a.id));
        }}
      >
        <p>Its deliveries go with it{deleting?.kind === 'url' ? ', and its signing secret is removed from the keychain' : ''}.</p>
      </ConfirmDialog>
    </>
  );
}

function AddAction({ pairId }: { pairId: string }) {
  const create = useConcord((s) => s.createAction);
  const [kind, setKind] = useState<ActionKind>('url');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<ActionEventName[]>(['conflict.opened', 'record.failed']);
  const [problem, setProblem] = useState<ApiCallError | null>(null);
  const [busy, whileBusy] = useBusy();
  // A notification action never takes "starts failing": Concord always notifies that itself.
  const chosen = kind === 'notify' ? events.filter((e) => e !== 'pair.failing') : events;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const result = await create(pairId, kind === 'url' ? { kind, url: url.trim(), events: chosen } : { kind, events: chosen });
    setProblem(result.ok ? null : result.error);
    if (result.ok) setUrl('');
  };
  return (
    <form className="setting" aria-labelledby="add-action-title" onSubmit={(e) => void whileBusy(() => submit(e))}>
      <h3 id="add-action-title">Add an action</h3>
      <fieldset>
        <legend>What Concord does</legend>
        <label className="inline-field">
          <input type="radio" name="action-kind" checked={kind === 'url'} onChange={() => setKind('url')} /> Call a URL
        </label>
        <label className="inline-field">
          <input type="radio" name="action-kind" checked={kind === 'notify'} onChange={() => setKind('notify')} /> Show a desktop notification
        </label>
      </fieldset>
      {kind === 'url' && (
        <p>
          <label className="inline-field">
            URL
            <input type="url" required size={48} placeholder="https://example.com/hooks/concord" value={url} onChange={(e) => setUrl(e.target.value)} />
          </label>
        </p>
      )}
      <fieldset>
        <legend>When</legend>
        {EVENTS.map((ev) => {
          const builtIn = kind === 'notify' && ev.id === 'pair.failing';
          return (
            <label key={ev.id} className="inline-field">
              <input
                type="checkbox"
                checked={builtIn || events.includes(ev.id)}
                disabled={builtIn}
                onChange={(e) => setEvents(e.target.checked ? [...events, ev.id] : events.filter((x) => x !== ev.id))}
              />{' '}
              {ev.label}
              {builtIn && <span className="muted"> (Concord always notifies this)</span>}
            </label>
          );
        })}
      </fieldset>
      <button type="submit" disabled={busy || chosen.length === 0 || (kind === 'url' && url.trim() === '')}>
        {busy ? 'Adding…' : 'Add action'}
      </button>
      <ErrorMessage error={problem} />
    </form>
  );
}

const STATUS_LABEL: Record<DeliveryInfo['status'], string> = { pending: 'Retrying', delivered: 'Delivered', failed: 'Failed' };

function Deliveries({ pairId }: { pairId: string }) {
  const page = useConcord((s) => s.pairActions[pairId]?.deliveries);
  const limit = useConcord((s) => s.pairActions[pairId]?.deliveriesLimit ?? DELIVERY_PAGE);
  const actions = useConcord((s) => s.pairActions[pairId]?.actions);
  const load = useConcord((s) => s.loadActions);
  const redeliver = useConcord((s) => s.redeliver);
  const [busy, whileBusy] = useBusy();
  const actionOf = (d: DeliveryInfo) => {
    const a = actions?.find((x) => x.id === d.actionId);
    return a ? target(a) : d.actionKind === 'url' ? 'URL' : 'Desktop notification';
  };
  return (
    <>
      <ListTable
        label="Deliveries"
        items={page?.items}
        empty="Nothing sent yet. Each event an action sends is listed here with the answer it got."
        columns={['When', 'Event', 'To', 'Status', 'Last answer', { hidden: 'Buttons' }]}
        row={(d) => {
          const last = d.attempts.at(-1);
          return (
            <>
              <td className="nowrap">
                <Time iso={d.occurredAt} />
              </td>
              <td>
                {eventLabel(d.event)}
                {typeof (d.data as { count?: unknown } | null)?.count === 'number' && <span className="muted"> · {plural((d.data as { count: number }).count, 'record')}</span>}
              </td>
              <td className="breakable">{actionOf(d)}</td>
              <td>
                <span className={`delivery-status delivery-${d.status}`}>{STATUS_LABEL[d.status]}</span>
                <div className="muted">
                  {plural(d.attempts.length, 'attempt')}
                  {d.status === 'pending' && d.nextAttemptAt && (
                    <>
                      {' '}
                      · next <Time iso={d.nextAttemptAt} />
                    </>
                  )}
                </div>
              </td>
              <td className="breakable">
                {last ? (
                  <>
                    {last.httpStatus !== null && <strong>{last.httpStatus} </strong>}
                    {last.error ?? last.response ?? ''}
                    {last.error && last.response ? <div className="muted">{last.response.slice(0, 200)}</div> : null}
                  </>
                ) : (
                  <span className="muted">Not tried yet</span>
                )}
              </td>
              <td>
                <button type="button" disabled={busy} aria-label={`Redeliver ${eventLabel(d.event)} of ${d.occurredAt}`} onClick={() => void whileBusy(() => redeliver(pairId, d.id))}>
                  Redeliver
                </button>
              </td>
            </>
          );
        }}
      />
      {page && page.total > page.items.length && (
        <p>
          <button type="button" onClick={() => void load(pairId, limit + DELIVERY_PAGE)}>
            Show older deliveries ({page.total - page.items.length} more)
          </button>
        </p>
      )}
    </>
  );
}
