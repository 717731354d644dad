/**
 * A pair's real time on its card (issue 12): its queue of events (webhooks, change feeds) in
 * words — "3 events waiting, oldest 4 s" — and a clock that ticks only while events wait, so
 * the age grows between the engine's summaries without re-rendering idle cards.
 */
import { useEffect, useState } from 'react';
import type { PairSummary } from '../../../src-main/engine/api/model';
import { plural } from '../../components/plural';

/** How long an event has waited: "4 s", "12 min", "2 h 5 min", "3 days". A clock behind the engine's reads as 0 s. */
export function formatWait(iso: string, now: number): string {
  const ms = now - new Date(iso).getTime();
  if (Number.isNaN(ms)) return iso;
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  return plural(Math.floor(h / 24), 'day');
}

/** Whether the pair takes changes as they happen: webhooks on a side, or a change feed. */
export const hasRealtime = (pair: Pick<PairSummary, 'feed' | 'webhooks'>): boolean => (pair.webhooks?.length ?? 0) > 0 || (pair.feed ?? null) !== null;

/**
 * The queue in words, or null when there is nothing to say (no events and no real time).
 * Events waiting are said even on a pair whose webhooks were turned off since: they still get applied.
 */
export function describeQueue(pair: Pick<PairSummary, 'queue' | 'feed' | 'webhooks'>, now: number): string | null {
  const q = pair.queue;
  if (!q || q.depth === 0) return hasRealtime(pair) ? 'No events waiting' : null;
  const parts = [`${plural(q.depth, 'event')} waiting`];
  if (q.oldestAt) parts.push(`oldest ${formatWait(q.oldestAt, now)}`);
  if (q.retrying > 0) parts.push(q.retrying === q.depth ? 'retrying' : `${q.retrying.toLocaleString()} retrying`);
  return parts.join(', ');
}

/** The time now, re-read every second while `active` (a card with events waiting); still otherwise. */
export function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [active]);
  return now;
}
