/** Plain-text tables for the command line. */
import type { ConflictSummary, PairSummary, RunProgress, RunSummary } from '../api/model';

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatPairs(pairs: PairSummary[]): string {
  if (pairs.length === 0) return 'No pairs yet. Create one in the UI (`concord serve`), or try the demo workspace there.';
  return table(
    ['ID', 'NAME', 'HEALTH', 'LAST RUN', 'CONFLICTS', 'FAILED'],
    pairs.map((p) => [
      p.id,
      p.name,
      p.health,
      p.lastRun ? `${p.lastRun.status} ${p.lastRun.startedAt}` : 'never',
      String(p.openConflicts),
      String(p.failed),
    ]),
  );
}

/** `total`: how many are open; the newest are listed, and a last line says how many more there are. */
export function formatConflicts(conflicts: ConflictSummary[], total = conflicts.length): string {
  if (conflicts.length === 0) return 'No open conflicts.';
  const listed = table(
    ['ID', 'PAIR', 'RECORD', 'KIND', 'FIELDS', 'DETECTED'],
    conflicts.map((c) => [c.id, c.pairName, c.record, c.kind, c.fields.join(', '), c.detectedAt]),
  );
  return total > conflicts.length ? `${listed}\n… and ${total - conflicts.length} more (the ${conflicts.length} newest are listed; the inbox shows them all).` : listed;
}

export function formatProgress(p: RunProgress): string {
  return `  ${p.phase.padEnd(9)} read ${p.read}${p.total !== null ? `/${p.total}` : ''}, written ${p.written}`;
}

export function formatRun(pairName: string, run: RunSummary): string {
  const c = run.counts;
  const counts = `read ${c.read}, created ${c.created}, updated ${c.updated}, deleted ${c.deleted}, conflicts ${c.conflicts}, failed ${c.failed}`;
  const took = run.durationMs !== null ? ` in ${(run.durationMs / 1000).toFixed(1)} s` : '';
  return `${pairName}: ${run.status}${took} — ${counts}${run.error ? `\n  ${run.error}` : ''}`;
}
