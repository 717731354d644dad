/**
 * The activity log of a pair as a CSV file (the audit a steward hands on): every entry, oldest
 * first, with each app named as the user named it. Values are written as the log shows them and
 * every cell goes through `csvCell`, so a synced value such as `=HYPERLINK(…)` stays text when the
 * file is opened in a spreadsheet.
 */
import { notFound } from '../api/errors';
import type { CanonicalValue } from '../api/model';
import type { Db } from '../store/db';
import { csvLine } from './csv';

export type ActivityExport = { fileName: string; csv: string; rows: number };

const HEADER = ['When', 'Record', 'App', 'Action', 'Field', 'Overwritten value', 'New value', 'Reason', 'Run', 'Restorable'];

type Row = { at: string; record: string; side: 'left' | 'right'; action: string; field: string | null; before_json: string | null; after_json: string | null; reason: string; run_id: string | null; restorable: number };

function valueText(json: string | null): string {
  if (json === null) return '';
  const v = JSON.parse(json) as CanonicalValue;
  return v === null ? '' : Array.isArray(v) ? v.join('; ') : String(v);
}

export function exportActivity(db: Db, pairId: string): ActivityExport {
  const pair = db.prepare('SELECT name, config_json FROM pairs WHERE id = ?').get(pairId) as { name: string; config_json: string } | undefined;
  if (!pair) throw notFound('Pair', pairId);
  const config = JSON.parse(pair.config_json) as { left: { connectionId: string }; right: { connectionId: string } };
  const connectionName = (id: string): string => (db.prepare('SELECT name FROM connections WHERE id = ?').pluck().get(id) as string | undefined) ?? id;
  const apps = { left: connectionName(config.left.connectionId), right: connectionName(config.right.connectionId) };
  const parts = [csvLine(HEADER)];
  let rows = 0;
  // Iterated, not loaded: a long log is never a second array beside the text being built.
  const all = db.prepare('SELECT at, record, side, action, field, before_json, after_json, reason, run_id, restorable FROM activity WHERE pair_id = ? ORDER BY at, rowid').iterate(pairId) as IterableIterator<Row>;
  for (const r of all) {
    parts.push(csvLine([r.at, r.record, apps[r.side], r.action, r.field ?? '', valueText(r.before_json), valueText(r.after_json), r.reason, r.run_id ?? '', r.restorable === 1 ? 'yes' : 'no']));
    rows++;
  }
  const stamp = new Date().toISOString().slice(0, 10);
  const safeName = pair.name.replace(/[^\p{L}\p{N} _-]+/gu, '').trim().replace(/\s+/g, '-') || 'pair';
  return { fileName: `concord-activity-${safeName}-${stamp}.csv`, csv: parts.join(''), rows };
}
