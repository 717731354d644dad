/** Deleting a connection takes what its connectors kept in its own data folder with it. */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../engine';
import { InMemoryCredentialStoreForTests } from './in-memory-credential-store-for-tests';

describe('a deleted connection', () => {
  it('takes its own data folder with it (a vCard folder\'s stat cache)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-delete-'));
    const engine = createEngine({ dataDir: join(dir, 'data'), credentials: new InMemoryCredentialStoreForTests(), log: () => {} });
    try {
      const folder = join(dir, 'contacts');
      mkdirSync(folder);
      writeFileSync(join(folder, 'a.vcf'), 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a\r\nFN:Ann\r\nEND:VCARD\r\n');
      const created = await engine.dispatch('connections/create', { name: 'Phone book', connector: 'vcard-folder', config: { path: folder } });
      if (!created.ok) throw new Error(created.error.message);
      const id = (created.value as { id: string }).id;
      expect((await engine.dispatch('connections/try', { connectionId: id })).ok).toBe(true);
      const own = join(dir, 'data', 'connectors', id);
      expect(existsSync(own)).toBe(true);
      expect((await engine.dispatch('connections/delete', { connectionId: id })).ok).toBe(true);
      expect(existsSync(own)).toBe(false);
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
