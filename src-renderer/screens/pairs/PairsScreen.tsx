import { ErrorMessage } from '../../components/ErrorMessage';
import { useBusy } from '../../components/use-busy';
import { useConcord } from '../../store/react';
import { PairCard } from './PairCard';

export function PairsScreen() {
  const pairs = useConcord((s) => s.pairs);
  const loaded = useConcord((s) => s.pairsLoaded);
  const error = useConcord((s) => s.pairsError);
  const loadPairs = useConcord((s) => s.loadPairs);
  const navigate = useConcord((s) => s.navigate);

  return (
    <section aria-labelledby="pairs-title" className="screen">
      <header className="screen-header">
        <h1 id="pairs-title">Pairs</h1>
        {/* Hidden while the empty state offers the same button, so there is one "Create a pair". */}
        {pairs.length > 0 && (
          <button type="button" className="primary" onClick={() => navigate({ name: 'wizard' })}>
            Create a pair
          </button>
        )}
      </header>
      <ErrorMessage error={error} onRetry={() => void loadPairs()} />
      {!loaded && <p className="muted">Loading pairs…</p>}
      {loaded && pairs.length === 0 && !error && <FirstStart />}
      {pairs.length > 0 && (
        <ul className="pair-list" aria-label="Pairs">
          {pairs.map((pair) => (
            <li key={pair.id}>
              <PairCard pair={pair} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The first start: what a pair is, and two ways to begin. */
function FirstStart() {
  const navigate = useConcord((s) => s.navigate);
  const createDemo = useConcord((s) => s.createDemo);
  const demoError = useConcord((s) => s.demoError);
  const [busy, whileBusy] = useBusy();
  return (
    <div className="empty-state">
      <h2>No pairs yet</h2>
      <p>
        A pair keeps the records of two apps in agreement — say a CRM and a billing tool. Create a pair, or try the
        demo workspace: two local sample apps with a few planted conflicts, so you can see sync and the conflict inbox
        in a minute.
      </p>
      <div className="actions">
        <button type="button" className="primary" onClick={() => navigate({ name: 'wizard' })}>
          Create a pair
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={async () => {
            const pairId = await whileBusy(createDemo);
            if (pairId) navigate({ name: 'pair', pairId, tab: 'runs' });
          }}
        >
          {busy ? 'Creating the demo…' : 'Try the demo workspace'}
        </button>
      </div>
      <ErrorMessage error={demoError} />
    </div>
  );
}
