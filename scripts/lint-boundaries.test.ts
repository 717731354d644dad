// The boundary rules of DESIGN.md §3 must be able to fail: each case lints a snippet as if it
// lived at a given path and expects (or not) an error from the project's own eslint config.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function errors(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('lint boundaries (DESIGN.md §3)', () => {
  it('the engine may not import electron', async () => {
    expect((await errors("import { app } from 'electron';\nexport const a = app;\n", 'src-main/engine/x.ts')).join()).toMatch(/must not import electron/);
  });
  it('electron main may import electron', async () => {
    expect(await errors("import { app } from 'electron';\nexport const a = app;\n", 'src-main/shell/x.ts')).toEqual([]);
  });
  it('the sync core may not import I/O', async () => {
    for (const mod of ['node:fs', 'fs', 'better-sqlite3', '../store/db', 'node:child_process']) {
      expect((await errors(`import * as m from '${mod}';\nexport const a = m;\n`, 'src-main/engine/core/x.ts')).join(), mod).toMatch(/sync core is pure/);
    }
  });
  it('the sync core may import other core modules', async () => {
    expect(await errors("import { a } from './canonical';\nexport const b = a;\n", 'src-main/engine/core/x.ts')).toEqual([]);
  });
  it('the renderer may import only types from src-main', async () => {
    expect((await errors("import { schemas } from '../../src-main/engine/api/schemas';\nexport const a = schemas;\n", 'src-renderer/api/x.ts')).join()).toMatch(/only types from src-main/);
    expect(await errors("import type { Api } from '../../src-main/engine/api/contract';\nexport type A = Api;\n", 'src-renderer/api/x.ts')).toEqual([]);
  });
  it('the renderer may not import Node or electron', async () => {
    expect((await errors("import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n", 'src-renderer/x.ts')).join()).toMatch(/no Node/);
    expect((await errors("import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n", 'src-renderer/x.ts')).join()).toMatch(/window\.concord/);
  });
});
