import type { PairConfig } from '../../src-main/engine/api/model';

const APP = { left: 'App A', right: 'App B' } as const;

/**
 * Names the part of a pair's settings an issue path points at, the way the mapping editor and the
 * wizard label it ('the App B field for "city" (row 3 of the field mapping)'); null for a path it
 * does not know, which then stays in the error's Details only. Paths may start with `config.` (the
 * argument's name in pairs/create, pairs/update and pairs/preview).
 */
export function describeConfigPath(path: string, config: PairConfig | null | undefined): string | null {
  const parts = path.split('.').filter(Boolean);
  if (parts[0] === 'config') parts.shift();
  const [head, second, third, fourth] = parts;
  switch (head) {
    case 'fields': {
      if (second === undefined) return 'the field mapping';
      const index = Number(second);
      if (!Number.isInteger(index)) return 'the field mapping';
      const name = config?.fields[index]?.name;
      const row = `row ${index + 1} of the field mapping`;
      const field = name ? `“${name}”` : `row ${index + 1}`;
      if (third === 'left' || third === 'right') {
        const what = fourth === 'transforms' ? 'transforms' : 'field';
        return name ? `the ${APP[third]} ${what} for ${field} (${row})` : `the ${APP[third]} ${what} of ${row}`;
      }
      if (third === 'name') return `the name of ${row}`;
      if (third === 'policy') return `the conflict policy of ${field}`;
      if (third === 'direction') return `the direction of ${field}`;
      if (third === 'type') return `the type of ${field}`;
      return name ? `the mapping of ${field} (${row})` : row;
    }
    case 'matchKeys':
      return 'the fields to match records on';
    case 'name':
      return 'the pair name';
    case 'masterSide':
      return 'the master side';
    case 'conflictPolicy':
      return 'the conflict policy';
    case 'initialMatchPolicy':
      return 'the first-sync policy';
    case 'deletes':
      return second === 'massDeleteThreshold' ? 'the mass-delete guard' : 'the delete settings';
    case 'schedule':
      return 'the schedule';
    case 'webhooks': {
      const app = second === 'left' || second === 'right' ? ` of ${APP[second]}` : '';
      if (second === 'syncTimeoutSeconds') return 'the time limit of a synchronous webhook answer';
      if (third === 'toleranceSeconds') return `the replay window${app}`;
      if (third === 'paths') return `the webhook body's ${fourth ?? ''} path${app}`.replace('  ', ' ');
      if (third === 'signatureHeader' || third === 'timestampHeader' || third === 'eventIdHeader') return `the ${third.replace('Header', '').replace('eventId', 'event id')} header${app}`;
      return `the webhook settings${app}`;
    }
    case 'left':
    case 'right':
      return second === 'collection' ? `the ${APP[head]} collection` : `the ${APP[head]} connection`;
    default:
      return null;
  }
}
