/**
 * A verified webhook body as events: where each event's id, record id, type and (fat) record are,
 * by the side's JSON paths or the defaults. Every problem names the event and the path to fix.
 */
import { createHash } from 'node:crypto';
import type { WebhookSideSettings } from '../../api/model';
import type { AppRecord } from '../../connectors/types';

export const MAX_EVENTS_PER_CALL = 1_000;
const DEFAULT_DELETE_TYPES = ['deleted', 'delete', 'removed', 'destroyed'];

export type ParsedEvent = { eventId: string; recordId: string; kind: 'upsert' | 'delete'; record: AppRecord | null; timestamp: number | null };
export type Parsed = { ok: true; events: ParsedEvent[] } | { ok: false; message: string };

/** A dotted path (`data.object.id`, `items.0.id`) into a JSON value; undefined where it leads nowhere. */
export function at(value: unknown, path: string): unknown {
  let v = value;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** Nested objects become dotted field names (`address.city`), as the REST connector reads them. */
function flatten(obj: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, `${prefix}${k}.`, out);
    else out[`${prefix}${k}`] = v;
  }
  return out;
}

const scalarId = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 && v.length <= 500 ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null);

function timeOf(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v > 1e12 ? Math.floor(v / 1000) : v;
  if (typeof v === 'string') {
    if (/^\d+$/.test(v)) return timeOf(Number(v));
    const ms = Date.parse(v);
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  return null;
}

export function parseEvents(settings: WebhookSideSettings, body: Buffer, headerEventId: string | null): Parsed {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, message: 'The body is not JSON: a webhook call carries a JSON event (or an array of them).' };
  }
  const p = settings.paths ?? {};
  const list = p.events ? at(json, p.events) : Array.isArray(json) ? json : [json];
  if (!Array.isArray(list)) return { ok: false, message: `The body has no array of events at "${p.events}": fix the events path in the pair's webhook settings.` };
  if (list.length === 0) return { ok: false, message: 'The body holds no event.' };
  if (list.length > MAX_EVENTS_PER_CALL) return { ok: false, message: `The body holds ${list.length} events; send at most ${MAX_EVENTS_PER_CALL} per call.` };
  const digest = createHash('sha256').update(body).digest('hex');
  const deleteTypes = settings.deleteTypes ?? DEFAULT_DELETE_TYPES;
  const events: ParsedEvent[] = [];
  for (const [i, ev] of list.entries()) {
    const name = list.length > 1 ? `Event ${i + 1}` : 'The event';
    if (ev === null || typeof ev !== 'object' || Array.isArray(ev)) return { ok: false, message: `${name} is not a JSON object.` };
    const recordPath = p.record ?? 'record';
    const rec = at(ev, recordPath);
    const recordId = scalarId(p.recordId ? at(ev, p.recordId) : (at(ev, 'record.id') ?? at(ev, 'recordId')));
    if (recordId === null) {
      return { ok: false, message: `${name} names no record: expected its id at "${p.recordId ?? 'record.id" or "recordId'}" (a string or number). Set the record id path in the pair's webhook settings.` };
    }
    const type = at(ev, p.type ?? 'type');
    const t = typeof type === 'string' ? type.toLowerCase() : '';
    const deleted = deleteTypes.some((d) => t === d.toLowerCase()) || (settings.deleteTypes === undefined && /[._:](deleted|removed|destroyed)$/.test(t));
    const eventId = scalarId(at(ev, p.eventId ?? 'id')) ?? (list.length === 1 ? headerEventId : null) ?? `sha256:${digest}:${i}`;
    // A fat event: the record with more than its id. Its fields are taken as the app's own.
    const fat = !deleted && rec !== null && typeof rec === 'object' && !Array.isArray(rec) && Object.keys(rec).some((k) => k !== 'id');
    const record: AppRecord | null = fat ? { id: recordId, fields: flatten(rec as Record<string, unknown>) } : null;
    const timestamp = p.timestamp ? timeOf(at(ev, p.timestamp)) : null;
    if (p.timestamp && timestamp === null) return { ok: false, message: `${name} has no time at "${p.timestamp}" (unix seconds or an ISO date).` };
    events.push({ eventId, recordId, kind: deleted ? 'delete' : 'upsert', record, timestamp });
  }
  return { ok: true, events };
}
