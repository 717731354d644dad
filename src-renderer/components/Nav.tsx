import { useConcord } from '../store/react';
import type { Route } from '../store/route';

const ITEMS: { label: string; href: string; matches: (r: Route) => boolean }[] = [
  { label: 'Pairs', href: '#/pairs', matches: (r) => r.name === 'pairs' || r.name === 'pair' || r.name === 'wizard' },
  { label: 'Conflicts', href: '#/conflicts', matches: (r) => r.name === 'conflicts' },
  { label: 'About', href: '#/about', matches: (r) => r.name === 'about' },
];

export function Nav() {
  const route = useConcord((s) => s.route);
  const open = useConcord((s) => s.openCount);
  return (
    <nav className="app-nav" aria-label="Main">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <p className="brand">Concord</p>
      <ul>
        {ITEMS.map((item) => (
          <li key={item.label}>
            <a href={item.href} aria-current={item.matches(route) ? 'page' : undefined}>
              {item.label}
              {item.label === 'Conflicts' && (
                // Always rendered (0 too) so the nav never shifts when the count changes.
                <span className={open > 0 ? 'badge badge-alert' : 'badge'} aria-label={`${open.toLocaleString()} open`} data-testid="open-conflicts">
                  {open.toLocaleString()}
                </span>
              )}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
