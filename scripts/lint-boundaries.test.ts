// The boundary rules of DESIGN.md §3 must be able to fail: each case lints a snippet as if it
// lived at a given path and expects (or not) an error from the project's own eslint config.
// Error cases match the boundary's own message, so a generic rule (no-require-imports, say)
// firing on the snippet does not pass for the boundary.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function errors(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

/** Lints `code` at each path and expects a boundary error matching `message` at every one. */
async function expectRejected(code: string, filePaths: string[], message: RegExp): Promise<void> {
  for (const filePath of filePaths) expect((await errors(code, filePath)).join('\n'), `${filePath}: ${code}`).toMatch(message);
}

const importOf = (mod: string): string => `import * as m from '${mod}';\nexport const a = m;\n`;

describe('lint boundaries (DESIGN.md §3): the engine never loads electron', () => {
  const ENGINE = /must not import electron/;
  it('the engine may not import electron', async () => {
    expect((await errors("import { app } from 'electron';\nexport const a = app;\n", 'src-main/engine/x.ts')).join()).toMatch(ENGINE);
  });
  it('the engine may not import an electron sub-path such as electron/main', async () => {
    for (const mod of ['electron/main', 'electron/utility', 'electron/common', '@electron/remote']) {
      await expectRejected(importOf(mod), ['src-main/engine/x.ts', 'src-main/engine/sync/x.ts'], ENGINE);
    }
  });
  it('the engine may not load electron through a dynamic import or require', async () => {
    const loads = [
      "export const load = () => import('electron');\n",
      "export const load = () => import('electron/main');\n",
      'export const load = () => import(`electron`);\n',
      "export const load = () => require('electron');\n",
      "import electron = require('electron');\nexport const a = electron;\n",
    ];
    for (const code of loads) await expectRejected(code, ['src-main/engine/x.ts', 'src-main/engine/server/x.ts'], ENGINE);
  });
  it('the headless CLI entry counts as engine and may not import electron', async () => {
    await expectRejected(importOf('electron'), ['src-main/cli.ts'], ENGINE);
  });
  it('electron main may import electron', async () => {
    expect(await errors("import { app } from 'electron';\nexport const a = app;\n", 'src-main/shell/x.ts')).toEqual([]);
    expect(await errors("import { app } from 'electron/main';\nexport const a = app;\n", 'src-main/shell/x.ts')).toEqual([]);
    expect(await errors("import { app } from 'electron';\nexport const a = app;\n", 'src-main/index.ts')).toEqual([]);
  });
  it('the engine may still load an optional native module dynamically (keytar)', async () => {
    expect(await errors("export const load = () => import('keytar');\n", 'src-main/engine/credentials/x.ts')).toEqual([]);
  });
});

describe('lint boundaries (DESIGN.md §3): the sync core is pure', () => {
  const CORE = /sync core is pure/;
  it('the sync core may not import I/O', async () => {
    for (const mod of ['node:fs', 'fs', 'better-sqlite3', '../store/db', 'node:child_process']) {
      expect((await errors(importOf(mod), 'src-main/engine/core/x.ts')).join(), mod).toMatch(CORE);
    }
  });
  it('the sync core may import nothing outside core but types from ../api', async () => {
    const outside = ['keytar', 'node:sqlite', 'csv-parse', 'zlib', 'node:url', 'node:stream/promises', 'electron', '../engine', '../store', '../data-dir-lock', '../sync/engine', '../../../package.json', 'zod'];
    for (const mod of outside) await expectRejected(importOf(mod), ['src-main/engine/core/x.ts'], CORE);
  });
  it('the sync core may not take a value (only types) from ../api', async () => {
    await expectRejected("import { schemas } from '../api/schemas';\nexport const a = schemas;\n", ['src-main/engine/core/x.ts'], CORE);
    await expectRejected("import { type Side, schemas } from '../api/model';\nexport const a: Side | typeof schemas = 'a';\n", ['src-main/engine/core/x.ts'], CORE);
    await expectRejected("export { schemas } from '../api/schemas';\n", ['src-main/engine/core/x.ts'], CORE);
  });
  it('the sync core may not load modules dynamically or with require', async () => {
    const loads = [
      "export const load = () => import('node:fs');\n",
      "export const load = () => import('./canonical');\n",
      "export const load = (m: string) => import(m);\n",
      "export const load = () => require('node:fs');\n",
      "import fs = require('node:fs');\nexport const a = fs;\n",
    ];
    for (const code of loads) await expectRejected(code, ['src-main/engine/core/x.ts'], CORE);
  });
  it('the sync core may import other core modules', async () => {
    expect(await errors("import { a } from './canonical';\nexport const b = a;\n", 'src-main/engine/core/x.ts')).toEqual([]);
  });
  it('the sync core may import a sibling and types from ../api/model', async () => {
    const code = [
      "import type { CanonicalValue } from '../api/model';",
      "import { type Side } from '../api/model';",
      "import { canonicalEqual, type CanonicalRecord } from './canonical';",
      'export const f = (r: CanonicalRecord, v: CanonicalValue, s: Side): boolean => canonicalEqual(r, r) && v !== s;',
      '',
    ].join('\n');
    expect(await errors(code, 'src-main/engine/core/x.ts')).toEqual([]);
  });
});

describe('lint boundaries (DESIGN.md §3): the renderer talks only to window.concord', () => {
  const TYPES_ONLY = /only types from src-main/;
  const NO_NODE = /no Node/;
  it('the renderer may import only types from src-main', async () => {
    expect((await errors("import { schemas } from '../../src-main/engine/api/schemas';\nexport const a = schemas;\n", 'src-renderer/api/x.ts')).join()).toMatch(TYPES_ONLY);
    expect(await errors("import type { Api } from '../../src-main/engine/api/contract';\nexport type A = Api;\n", 'src-renderer/api/x.ts')).toEqual([]);
  });
  it('the renderer may import a type from src-main/engine/api/contract with inline type specifiers', async () => {
    expect(await errors("import { type ConcordBridge } from '../../src-main/engine/api/contract';\nexport type B = ConcordBridge;\n", 'src-renderer/api/x.ts')).toEqual([]);
    expect(await errors("export type { ConcordBridge } from '../../src-main/engine/api/contract';\n", 'src-renderer/api/x.ts')).toEqual([]);
  });
  it('the renderer may not mix a value into a type import from src-main', async () => {
    await expectRejected("import { type ConcordBridge, schemas } from '../../src-main/engine/api/contract';\nexport const a: ConcordBridge | typeof schemas = schemas;\n", ['src-renderer/api/x.ts'], TYPES_ONLY);
    await expectRejected("import '../../src-main/engine/engine';\n", ['src-renderer/api/x.ts'], TYPES_ONLY);
  });
  it('the renderer may not load src-main at runtime through a dynamic import', async () => {
    await expectRejected("export const load = () => import('../../src-main/engine/api/schemas');\n", ['src-renderer/api/x.ts'], TYPES_ONLY);
    await expectRejected("export const load = (m: string) => import(`../../../src-main/engine/${m}`);\n", ['src-renderer/screens/x.tsx'], TYPES_ONLY);
  });
  it('the renderer may not import Node or electron', async () => {
    expect((await errors("import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n", 'src-renderer/x.ts')).join()).toMatch(NO_NODE);
    expect((await errors("import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n", 'src-renderer/x.ts')).join()).toMatch(/window\.concord/);
  });
  it('the renderer may not import a Node-only package or any Node builtin', async () => {
    for (const mod of ['better-sqlite3', 'keytar', 'zlib', 'node:zlib', 'crypto', 'node:crypto', 'node:sqlite', 'url', 'fs/promises', 'node:stream/promises', 'electron/renderer']) {
      await expectRejected(importOf(mod), ['src-renderer/x.ts', 'src-renderer/screens/y.tsx'], NO_NODE);
    }
  });
  it('the renderer may not load Node through a dynamic import or require', async () => {
    for (const code of ["export const load = () => import('node:fs');\n", "export const load = () => import('better-sqlite3');\n", "export const load = () => require('better-sqlite3');\n"]) {
      await expectRejected(code, ['src-renderer/x.ts'], NO_NODE);
    }
  });
  it('the renderer may still import its own modules and browser packages', async () => {
    expect(await errors("import { create } from 'zustand';\nimport { b } from './bridge';\nexport const a = [create, b];\nexport const load = () => import('./screens/x');\n", 'src-renderer/x.ts')).toEqual([]);
  });
});

describe('lint boundaries (DESIGN.md §3): the preload only bridges invoke and on', () => {
  const PRELOAD = /preload only bridges/;
  it('the preload may use contextBridge and ipcRenderer and take types from src-main', async () => {
    const code = [
      "import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';",
      "import type { ConcordBridge } from '../src-main/engine/api/contract';",
      'export const a: [typeof contextBridge, typeof ipcRenderer, IpcRendererEvent?, ConcordBridge?] = [contextBridge, ipcRenderer];',
      '',
    ].join('\n');
    expect(await errors(code, 'src-preload/index.ts')).toEqual([]);
  });
  it('the preload may not import anything else from electron', async () => {
    for (const code of ["import { shell } from 'electron';\nexport const a = shell;\n", "import { webFrame } from 'electron';\nexport const a = webFrame;\n", importOf('electron/renderer')]) {
      await expectRejected(code, ['src-preload/index.ts'], PRELOAD);
    }
  });
  it('the preload may not take a value from src-main, nor Node, nor load modules at runtime', async () => {
    const codes = [
      "import { schemas } from '../src-main/engine/api/schemas';\nexport const a = schemas;\n",
      importOf('node:fs'),
      "export const load = () => import('../src-main/engine/api/schemas');\n",
      "export const load = () => require('electron');\n",
    ];
    for (const code of codes) await expectRejected(code, ['src-preload/index.ts'], PRELOAD);
  });
});

describe('lint boundaries: every boundary block keeps the suite-wide rules', () => {
  it('a focused test (.only) is still an error in engine, core, renderer and preload files', async () => {
    const paths = ['src-main/engine/x.test.ts', 'src-main/engine/core/x.ts', 'src-main/shell/x.test.ts', 'src-renderer/x.test.ts', 'src-preload/index.ts'];
    await expectRejected("declare const it: { only(name: string, f: () => void): void };\nit.only('x', () => {});\n", paths, /\.only would skip/);
  });
});
