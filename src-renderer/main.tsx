import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { isBrowserBridge, pickBridge } from './api/bridge';
import { App } from './components/App';
import { watchActionNotifications } from './store/action-alerts';
import { connectEngineEvents, refreshAll } from './store/engine-events';
import { showBrowserNotification, watchFailingPairs } from './store/failure-alerts';
import { StoreContext } from './store/react';
import { hashToRoute } from './store/route';
import { createConcordStore } from './store/store';
import './styles/base.css';
import './styles/layout.css';
import './styles/pairs.css';
import './styles/inbox.css';
import './styles/wizard.css';
import './styles/realtime.css';

// The store is created before the bridge exists, so a 401 from the browser transport can flip it.
let setUnauthorized = (): void => {};
const bridge = pickBridge({ onUnauthorized: () => setUnauthorized() });
const store = createConcordStore(bridge);
setUnauthorized = () => store.getState().setUnauthorized();

store.getState().navigate(hashToRoute(location.hash));
window.addEventListener('hashchange', () => store.getState().navigate(hashToRoute(location.hash)));
connectEngineEvents(store, bridge);
// The desktop app's main process shows the OS notification itself; a browser shows its own.
watchFailingPairs(store, isBrowserBridge(bridge) ? showBrowserNotification : undefined);
watchActionNotifications(store, bridge, isBrowserBridge(bridge) ? showBrowserNotification : undefined);
void refreshAll(store);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>
  </StrictMode>,
);
