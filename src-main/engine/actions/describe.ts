/** What a `notify` action's desktop notification says about each event. */
import type { DeliveryEventName } from '../api/model';

const count = (data: unknown): number => (typeof data === 'object' && data !== null && typeof (data as { count?: unknown }).count === 'number' ? (data as { count: number }).count : 1);
const runStatus = (data: unknown): string => {
  const run = typeof data === 'object' && data !== null ? (data as { run?: { status?: unknown } }).run : undefined;
  return typeof run?.status === 'string' ? run.status : 'finished';
};
const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

export function notificationText(event: DeliveryEventName, pairName: string, data: unknown): { title: string; body: string } {
  const title = `Concord: “${pairName}”`;
  switch (event) {
    case 'conflict.opened':
      return { title, body: `${plural(count(data), 'conflict', 'conflicts')} opened. Open the inbox to decide.` };
    case 'record.failed':
      return { title, body: `${plural(count(data), 'record', 'records')} failed. See the pair's Failed records tab.` };
    case 'pair.failing':
      return { title, body: 'The pair is failing. Open Concord to see why.' };
    case 'pair.recovered':
      return { title, body: 'The pair syncs again: its last run succeeded.' };
    case 'run.finished':
      return { title, body: `A sync run ended: ${runStatus(data)}.` };
    case 'test':
      return { title, body: 'A test notification from this pair’s actions.' };
  }
}
