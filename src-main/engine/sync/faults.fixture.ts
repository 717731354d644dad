/**
 * TEST FIXTURE: what the fault suite (sync.faults.test.ts) shares between its pairs — the people
 * both apps hold, the pair's runs through the faults until a quiet one, and the record of what
 * those runs went through.
 */
import type { FailedRecord, RunSummary } from '../api/model';
import { describeFaults, type FaultProxy, type FaultRates } from '../testing/fault-proxy';
import { syncAndWait, waitRun, type Kit } from './test-kit.fixture';

/** How many people each pair starts from (CONCORD_FAULT_RECORDS scales the suite up). */
export const RECORDS = Math.max(20, Number(process.env.CONCORD_FAULT_RECORDS ?? 300));

/** A person as both apps should hold them, keyed by email. */
export type Person = { email: string; first: string; last: string; phone: string | null; company: string | null };

export const person = (i: number): Person => ({
  email: `person${i}@example.com`,
  first: `First${i % 97}`,
  last: `Last${i % 101}`,
  phone: i % 7 === 0 ? null : `+1 555 ${String(i).padStart(7, '0')}`,
  company: i % 5 === 0 ? null : `Company ${i % 50}`,
});

export const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
export const byEmail = (a: Person, b: Person) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0);

/** Per request (http) or per connection/chunk (tcp): about one request in six goes wrong. */
export const HTTP_RATES: FaultRates = { drop: 0.02, delay: 0.05, reset: 0.03, 'http-500': 0.015, 'http-502': 0.015, 'http-503': 0.015, 'http-503-retry-after': 0.01, 'http-429': 0.02 };
export const TCP_RATES: FaultRates = { drop: 0.05, delay: 0.03, reset: 0.02 };

/** What the runs of a pair went through, for the assertions and the closing note. */
export type FaultLog = {
  runs: RunSummary[];
  /** Runs that stopped at a rate limit (429, or 503 with Retry-After), and the pauses the test cleared. */
  paused: number;
  /** "Retry all" presses (failed records whose backoff the test did not wait out). */
  retryAll: number;
  /** Failed records seen after a run, with the app's error, as the Failed tab listed them. */
  failedSeen: FailedRecord[];
  /** Runs the pair could not start (it was waiting for a rate limit). */
  refused: number;
};

export const newLog = (): FaultLog => ({ runs: [], paused: 0, retryAll: 0, failedSeen: [], refused: 0 });

const wrote = (r: RunSummary) => r.counts.created + r.counts.updated + r.counts.deleted;

/**
 * Runs the pair until a run is quiet: it succeeded, wrote nothing, and no record waits in the
 * failed list. A rate-limit pause is cleared (pairs/resume) rather than waited out, and failed
 * records are retried ("Retry all") rather than left to their backoff of 30 s and more — the test
 * stands in for the user who presses them, so the suite takes seconds, not hours.
 */
export async function runUntilQuiet(kit: Kit, pairId: string, log: FaultLog, max = 60): Promise<number> {
  for (let k = 1; k <= max; k++) {
    let run: RunSummary;
    try {
      run = await syncAndWait(kit, pairId);
    } catch (e) {
      // "waiting for an app's rate limit until …": the pause of an earlier run (a feed or retry run).
      if (!/rate limit/.test(String(e))) throw e;
      log.refused++;
      await kit.call('pairs/resume', { pairId });
      continue;
    }
    log.runs.push(run);
    const failed = await kit.call('failed/list', { pairId });
    log.failedSeen.push(...failed);
    if (run.status === 'partial' && /slow down/.test(run.error ?? '')) {
      log.paused++;
      await kit.call('pairs/resume', { pairId });
      continue;
    }
    if (run.status === 'succeeded' && wrote(run) === 0 && failed.length === 0) return k;
    if (failed.length > 0 && run.status !== 'failed') {
      log.retryAll++;
      try {
        const { runId } = await kit.call('failed/retry-all', { pairId });
        log.runs.push(await waitRun(kit, runId));
      } catch (e) {
        if (!/rate limit|no failed records/.test(String(e))) throw e;
      }
    }
  }
  const failed = (await kit.call('failed/list', { pairId })).slice(0, 5).map((f) => ({ op: f.op, side: f.side, record: f.record, error: f.error, attempts: f.attempts }));
  throw new Error(`no quiet run after ${max} runs: ${JSON.stringify(log.runs.slice(-4).map((r) => ({ trigger: r.trigger, status: r.status, counts: r.counts, error: r.error })))}; failed records: ${JSON.stringify(failed)}`);
}

/** The closing note's line for a pair: records, faults by kind, runs to converge, time. */
export function faultReport(name: string, records: number, proxies: Record<string, FaultProxy>, log: FaultLog, runsToQuiet: number[], ms: number): string {
  const statuses = log.runs.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
  return [
    `${name}: ${records} records, ${log.runs.length} runs (${JSON.stringify(statuses)}), runs to quiet per phase ${runsToQuiet.join(' + ')}, ${(ms / 1000).toFixed(1)} s`,
    `  rate-limit pauses ${log.paused}, refused starts ${log.refused}, Retry all ${log.retryAll}, failed records seen ${log.failedSeen.length}, failed records in runs ${log.runs.reduce((n, r) => n + r.counts.failed, 0)}`,
    ...Object.entries(proxies).map(([k, p]) => `  ${describeFaults(k, p)}`),
  ].join('\n');
}

/** Sum of the faults a set of proxies injected. */
export const totalFaults = (proxies: FaultProxy[]): number => proxies.reduce((n, p) => n + Object.values(p.counts()).reduce((a, b) => a + b, 0), 0);
