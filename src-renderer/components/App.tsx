import { useEffect } from 'react';
import { useConcord } from '../store/react';
import { routeToHash } from '../store/route';
import { AboutScreen } from '../screens/about/AboutScreen';
import { InboxScreen } from '../screens/inbox/InboxScreen';
import { PairDetailScreen } from '../screens/pair-detail/PairDetailScreen';
import { PairsScreen } from '../screens/pairs/PairsScreen';
import { WizardScreen } from '../screens/wizard/WizardScreen';
import { Nav } from './Nav';
import { Notices } from './Notices';
import { UnauthorizedScreen } from './UnauthorizedScreen';

export function App() {
  const route = useConcord((s) => s.route);
  const unauthorized = useConcord((s) => s.unauthorized);
  const connection = useConcord((s) => s.connection);

  // The route lives in the store; the hash mirrors it so reloads and Back keep the place.
  useEffect(() => {
    const hash = routeToHash(route);
    if (location.hash !== hash) history.replaceState(null, '', hash);
  }, [route]);

  if (unauthorized) return <UnauthorizedScreen />;

  return (
    <div className="app-shell">
      <Nav />
      <main className="app-main" id="main">
        {connection === 'reconnecting' && (
          <p className="banner" role="status">
            Lost the connection to the Concord server — reconnecting…
          </p>
        )}
        {route.name === 'pairs' && <PairsScreen />}
        {route.name === 'pair' && <PairDetailScreen pairId={route.pairId} tab={route.tab} />}
        {route.name === 'wizard' && <WizardScreen />}
        {route.name === 'conflicts' && <InboxScreen conflictId={route.conflictId ?? null} pairId={route.pairId ?? null} />}
        {route.name === 'about' && <AboutScreen />}
      </main>
      <Notices />
    </div>
  );
}
