// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeBridgeForTests } from '../api/fake-bridge-for-tests';
import { connectEngineEvents, refreshAll } from '../store/engine-events';
import { StoreContext } from '../store/react';
import { createConcordStore } from '../store/store';
import { App } from './App';

afterEach(cleanup);

function mount(bridge: ReturnType<typeof fakeBridgeForTests>) {
  const store = createConcordStore(bridge);
  connectEngineEvents(store, bridge);
  void refreshAll(store);
  render(
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>,
  );
  return store;
}

describe('App shell', () => {
  it('greets a newcomer with what to do, and shows why the demo could not start', async () => {
    const bridge = fakeBridgeForTests({ 'pairs/list': () => [], 'conflicts/count': () => ({ open: 0, byPair: {} }) });
    mount(bridge);
    expect(await screen.findByRole('heading', { name: 'No pairs yet' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Try the demo workspace' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('demo/create is not available yet.');
    expect(bridge.calls.some((c) => c.method === 'demo/create')).toBe(true);
  });

  it('updates the Conflicts badge live from conflicts/changed', async () => {
    const bridge = fakeBridgeForTests({ 'pairs/list': () => [], 'conflicts/count': () => ({ open: 2, byPair: { p1: 2 } }) });
    mount(bridge);
    const badge = await screen.findByTestId('open-conflicts');
    await waitFor(() => expect(badge.textContent).toBe('2'));
    act(() => bridge.emit('conflicts/changed', { open: 7, byPair: { p1: 7 } }));
    expect(screen.getByRole('link', { name: /Conflicts/ }).textContent).toContain('7');
  });

  it('shows the token screen when the server says 401', async () => {
    const store = mount(fakeBridgeForTests());
    act(() => store.getState().setUnauthorized());
    expect(screen.getByText(/Open the address printed by/).textContent).toContain('npm run serve');
  });
});
