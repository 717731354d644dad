/** Where the user is; mirrored in location.hash so a reload keeps the place. */
export type Route =
  | { name: 'pairs' }
  | { name: 'pair'; pairId: string; tab: PairTab }
  | { name: 'wizard' }
  /** `pairId`: the inbox opens filtered to that pair (the pair card's open-conflicts link). */
  | { name: 'conflicts'; conflictId?: string; pairId?: string }
  | { name: 'about' };

export type PairTab = 'runs' | 'failed' | 'activity' | 'events' | 'actions' | 'settings';
const TABS: readonly PairTab[] = ['runs', 'failed', 'activity', 'events', 'actions', 'settings'];

export function routeToHash(route: Route): string {
  switch (route.name) {
    case 'pair':
      return `#/pairs/${encodeURIComponent(route.pairId)}/${route.tab}`;
    case 'conflicts': {
      const path = route.conflictId ? `#/conflicts/${encodeURIComponent(route.conflictId)}` : '#/conflicts';
      return route.pairId ? `${path}?pair=${encodeURIComponent(route.pairId)}` : path;
    }
    case 'wizard':
      return '#/new-pair';
    case 'about':
      return '#/about';
    case 'pairs':
      return '#/pairs';
  }
}

export function hashToRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [head, id, tab] = parts;
  // Pair ids are UUIDs: "new" is what a person types for the wizard.
  if (head === 'pairs' && id === 'new') return { name: 'wizard' };
  if (head === 'pairs' && id) {
    return { name: 'pair', pairId: id, tab: TABS.find((t) => t === tab) ?? 'runs' };
  }
  if (head === 'conflicts') {
    const pairId = new URLSearchParams(query).get('pair');
    return { name: 'conflicts', ...(id ? { conflictId: id } : {}), ...(pairId ? { pairId } : {}) };
  }
  if (head === 'new-pair') return { name: 'wizard' };
  if (head === 'about') return { name: 'about' };
  return { name: 'pairs' };
}
