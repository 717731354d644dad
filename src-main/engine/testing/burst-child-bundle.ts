/**
 * TEST FIXTURE (not shipped code): burst-child.ts bundled once into one plain ES module (its
 * packages left to node_modules), so each start of the child is a plain `node` start (~0.3 s)
 * rather than tsx's (~1 s). Used by the kill-during-burst test and the real-time bench.
 */
import { buildSync } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '../../..');

/** Bundles the child under node_modules/.cache (where its packages resolve) and returns its path; `name` keeps concurrent users apart. */
export function bundleBurstChild(name: string): string {
  const dir = join(REPO, 'node_modules/.cache/concord-tests');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${name}-${process.pid}.mjs`);
  buildSync({ entryPoints: [join(__dirname, 'burst-child.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: out, logLevel: 'error' });
  return out;
}
