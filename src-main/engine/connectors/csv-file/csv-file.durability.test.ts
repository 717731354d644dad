import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCsvFileConnector } from './connector';

describe('csv-file connector: rewriting the file keeps its permissions', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'concord-csv-mode-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['0600', 0o600],
    ['0640', 0o640],
    ['0664', 0o664],
  ])('a file with mode %s keeps that mode after Concord writes it', async (_label, mode) => {
    const path = join(dir, 'private.csv');
    writeFileSync(path, 'id,name\n1,Ann\n');
    chmodSync(path, mode);
    const c = createCsvFileConnector({ path, idColumn: 'id' });
    const [r] = await c.write('private.csv', [{ op: 'update', id: '1', fields: { name: 'Bob' } }]);
    expect(r?.ok).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('id,name\n1,Bob\n');
    expect(statSync(path).mode & 0o7777).toBe(mode);
  });
});
