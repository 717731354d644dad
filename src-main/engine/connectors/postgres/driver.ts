/**
 * The `pg` driver, loaded on first use rather than when Concord starts: a command that never talks
 * to PostgreSQL (`concord sync` of two folders) does not pay its load time (~30 ms).
 */
import type pg from 'pg';

let loaded: typeof pg | null = null;

export async function loadPg(): Promise<typeof pg> {
  loaded ??= (await import('pg')).default;
  return loaded;
}

/** The driver once loadPg() has run: its type parsers are only called by the driver itself. */
export function pgDriver(): typeof pg {
  if (!loaded) throw new Error('The PostgreSQL driver was used before it was loaded.');
  return loaded;
}
