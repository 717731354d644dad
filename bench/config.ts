/**
 * The bench's settings, read from the environment (pure: takes the variables, returns the
 * settings or throws a message that says which variable is wrong and what it accepts).
 */

export type Mode = 'cursor' | 'hash' | 'flag';
export const MODES: readonly Mode[] = ['cursor', 'hash', 'flag'];

export type BenchConfig = {
  /** Records per side, smallest first: the time budget then cuts the largest sizes, not the smallest. */
  sizes: number[];
  modes: Mode[];
  /** Each run (and each set-up) is killed after this many seconds. */
  timeoutS: number;
  /** The whole bench stops starting runs after this many seconds; null = no budget. */
  budgetS: number | null;
  /** Open conflicts for the inbox figures. */
  conflicts: number;
  /** Records per side for the rerun-after-crash and CSV scenarios. */
  otherSize: number;
  /** Records per side for PostgreSQL ↔ SQLite; null = not run (CONCORD_BENCH_PG_SIZE=0). */
  pgSize: number | null;
  /** Things the user should know about how their variables were read. */
  notices: string[];
};

export const DEFAULT_SIZES = [10_000, 100_000, 1_000_000];
/**
 * Seven minutes per run: the streamed engine's 1M first sync takes about 190 s of CPU on a 2-core
 * machine (more wall time when the machine is busy). The budget below still keeps the default
 * bench under 10 minutes: no run starts, and none runs on, past it.
 */
export const DEFAULT_TIMEOUT_S = 420;
export const DEFAULT_BUDGET_S = 540;
export const DEFAULT_CONFLICTS = 50_000;
export const DEFAULT_PG_SIZE = 100_000;
const OTHER_SIZE_CAP = 10_000;

const SIZE = /^(\d+(?:\.\d+)?)([km]?)$/i;

/** "10k" → 10000, "1M" → 1000000, "1_000" → 1000; throws on anything else (the caller names the variable). */
export function parseSize(text: string): number {
  const m = SIZE.exec(text.replaceAll('_', ''));
  if (!m) throw new Error(`"${text}" is not a record count`);
  const factor = { '': 1, k: 1_000, m: 1_000_000 }[(m[2] ?? '').toLowerCase()] ?? 1;
  const n = Number(m[1]) * factor;
  // Rounded to 9 digits first: 1.2 × 1e6 is 1199999.9999999998 in floating point.
  const whole = Number(n.toPrecision(12));
  if (!Number.isInteger(whole)) throw new Error(`"${text}" is not a whole number of records`);
  if (whole < 4) throw new Error(`"${text}" is too small: the population needs at least 4 records per side`);
  return whole;
}

const SIZES_HELP = 'a comma-separated list of records per side, like 10k,100k,1M or 10000,1000000';

export function parseSizes(text: string, variable = 'CONCORD_BENCH_SIZES'): number[] {
  if (text.trim() === '') throw new Error(`${variable} is empty: give ${SIZES_HELP}.`);
  const sizes = text.split(',').map((part) => {
    const p = part.trim();
    if (p === '') throw new Error(`${variable}="${text}" has an empty entry: give ${SIZES_HELP}.`);
    try {
      return parseSize(p);
    } catch (e) {
      throw new Error(`${variable}: ${(e as Error).message}; give ${SIZES_HELP}.`);
    }
  });
  return [...new Set(sizes)].sort((a, b) => a - b);
}

export function parseModes(text: string): Mode[] {
  const wanted = text.split(',').map((m) => m.trim().toLowerCase());
  for (const m of wanted) {
    if (!MODES.some((known) => known === m)) throw new Error(`CONCORD_BENCH_MODES: "${m}" is not a change-detection mode the SQLite apps support; use any of ${MODES.join(', ')}.`);
  }
  return MODES.filter((m) => wanted.includes(m));
}

function seconds(env: Record<string, string | undefined>, variable: string, fallback: number, zeroMeansNone: boolean): number | null {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (!zeroMeansNone && n === 0)) {
    throw new Error(`${variable}="${raw}" must be a number of seconds more than 0${zeroMeansNone ? ' (or 0 for no limit)' : ''}.`);
  }
  return zeroMeansNone && n === 0 ? null : n;
}

/** 10000 → "10k", 1500000 → "1.5M": sizes as a person types them. */
export function formatSize(n: number): string {
  if (n >= 1_000_000 && n % 100_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1_000 && n % 100 === 0) return `${n / 1_000}k`;
  return String(n);
}

export function benchConfig(env: Record<string, string | undefined>): BenchConfig {
  const notices: string[] = [];
  const sizesText = env.CONCORD_BENCH_SIZES;
  const recordsText = env.CONCORD_BENCH_RECORDS;
  let sizes = DEFAULT_SIZES;
  if (recordsText !== undefined && recordsText !== '') {
    if (sizesText !== undefined && sizesText !== '') {
      throw new Error('CONCORD_BENCH_RECORDS and CONCORD_BENCH_SIZES are both set: CONCORD_BENCH_RECORDS is the old name for a single size; set only CONCORD_BENCH_SIZES.');
    }
    sizes = parseSizes(recordsText, 'CONCORD_BENCH_RECORDS');
    if (sizes.length !== 1) throw new Error(`CONCORD_BENCH_RECORDS="${recordsText}" names one size; for several, use CONCORD_BENCH_SIZES.`);
    notices.push(`CONCORD_BENCH_RECORDS is the old name for one size: read as CONCORD_BENCH_SIZES=${formatSize(sizes[0] ?? 0)}.`);
  } else if (sizesText !== undefined) sizes = parseSizes(sizesText);

  const modesText = env.CONCORD_BENCH_MODES;
  const modes = modesText === undefined || modesText.trim() === '' ? (['cursor'] satisfies Mode[]) : parseModes(modesText);
  if (modes.length === 0) throw new Error('CONCORD_BENCH_MODES names no mode; use any of cursor, hash, flag.');

  const conflictsText = env.CONCORD_BENCH_CONFLICTS;
  let conflicts = DEFAULT_CONFLICTS;
  if (conflictsText !== undefined && conflictsText.trim() !== '') {
    try {
      conflicts = parseSize(conflictsText.trim());
    } catch (e) {
      throw new Error(`CONCORD_BENCH_CONFLICTS: ${(e as Error).message}; give a number of open conflicts like 50000 or 50k.`);
    }
  }

  const pgText = env.CONCORD_BENCH_PG_SIZE?.trim();
  let pgSize: number | null = DEFAULT_PG_SIZE;
  if (pgText === '0') pgSize = null;
  else if (pgText !== undefined && pgText !== '') {
    try {
      pgSize = parseSize(pgText);
    } catch (e) {
      throw new Error(`CONCORD_BENCH_PG_SIZE: ${(e as Error).message}; give records per side like 100k or 10000 (0 leaves the scenario out).`);
    }
  }

  return {
    sizes,
    modes,
    pgSize,
    timeoutS: seconds(env, 'CONCORD_BENCH_TIMEOUT_S', DEFAULT_TIMEOUT_S, false) ?? DEFAULT_TIMEOUT_S,
    budgetS: seconds(env, 'CONCORD_BENCH_BUDGET_S', DEFAULT_BUDGET_S, true),
    conflicts,
    otherSize: Math.min(sizes[0] ?? OTHER_SIZE_CAP, OTHER_SIZE_CAP),
    notices,
  };
}
