// Lint = the boundaries of DESIGN.md section 3, as errors (plus a small set of correctness rules).
// Break a boundary and `npm test` fails, not a review. scripts/lint-boundaries.test.ts proves
// each rule can fail.
//
// Flat config replaces a rule's options per block (the last matching block wins), so each
// boundary block states its whole list, and every `no-restricted-syntax` list repeats ONLY.
// Imports go through @typescript-eslint/no-restricted-imports (it also sees `import x =
// require()` and knows type-only imports); loads that are not import declarations (dynamic
// `import()`, `require()`) go through no-restricted-syntax.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

// esquery regex literals may not contain '/', so selector regexes spell it \x2F.
const SLASH = '\\x2F';
const ELECTRON = `^(electron|@electron${SLASH}[^${SLASH}]+)(${SLASH}|$)`;
const SRC_MAIN = `(^|${SLASH})src-main(${SLASH}|$)`;
const NODE_BUILTIN = `^(node:|(${builtinModules.filter((m) => !m.startsWith('_') && !m.startsWith('node:')).map((m) => m.replaceAll('/', SLASH)).join('|')})(${SLASH}|$))`;
// Packages that run only under Node (native addons, raw sockets): the renderer never has them.
const NODE_ONLY_PACKAGES = `^(better-sqlite3|keytar|ws)(${SLASH}|$)`;

const ONLY = { selector: "CallExpression[callee.property.name='only'][callee.object.name=/^(it|test|describe)$/]", message: '.only would skip the rest of the suite.' };

/** Selectors for a runtime load of a module whose name matches `regex`: `import('m')`, `import(`m…`)`, `require('m')`. */
function loadsOf(regex, message) {
  return [
    { selector: `ImportExpression[source.value=/${regex}/]`, message },
    { selector: `ImportExpression[source.quasis.0.value.cooked=/${regex}/]`, message },
    { selector: `CallExpression[callee.name='require'][arguments.0.value=/${regex}/]`, message },
  ];
}
/** Selectors for any runtime load at all (the module name may be computed). */
function anyLoad(message) {
  return [
    { selector: 'ImportExpression', message },
    { selector: "CallExpression[callee.name='require']", message },
  ];
}

const ENGINE_MSG = 'The engine must not import electron: it runs headless under plain Node too (DESIGN.md §3). Put Electron code in src-main/shell and pass what the engine needs in.';
const CORE_MSG = 'The sync core is pure (DESIGN.md §3): it may import only other core modules (./name) and types from ../api (`import type`). Do the I/O in src-main/engine/sync and pass data in.';
const RENDERER_TYPES_MSG = 'The renderer may import only types from src-main (use `import type`); talk to the engine through window.concord (DESIGN.md §3).';
const RENDERER_NODE_MSG = 'The renderer has no Node and no electron: talk to the engine through window.concord (DESIGN.md §3).';
const PRELOAD_MSG = 'The preload only bridges window.concord to ipcRenderer (DESIGN.md §3): it may import contextBridge and ipcRenderer from electron, its own ./modules, and types; nothing else, and no runtime loads.';

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'dist/**', 'test-results/**', 'playwright-report/**', 'e2e/.tmp/**', '.helpers/**'] },
  {
    files: ['**/*.{ts,tsx,mts}'],
    extends: [tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-restricted-syntax': ['error', ONLY],
    },
  },
  {
    // The engine (all of src-main but the Electron main entry and its shell) runs under plain
    // Node (server, CLI) and in a utilityProcess: never Electron, in any form, not even types.
    files: ['src-main/**/*.{ts,tsx,mts}'],
    ignores: ['src-main/index.ts', 'src-main/shell/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ regex: ELECTRON, message: ENGINE_MSG }] }],
      'no-restricted-syntax': ['error', ONLY, ...loadsOf(ELECTRON, ENGINE_MSG)],
    },
  },
  {
    // The sync core is pure: diff, merge, plan, mapping, matching. An allowlist, not a denylist:
    // its own modules, plus types from ../api (the contract's data shapes). Tests may use vitest
    // and fixtures, so they keep only the engine's rules.
    files: ['src-main/engine/core/**/*.{ts,tsx,mts}'],
    ignores: ['src-main/engine/core/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(?!\\./[\\w-][\\w.-]*$|\\.\\./api/[\\w-][\\w.-]*$)', message: CORE_MSG },
            // A type import matching this pattern is allowed; a value import is reported.
            { regex: '^\\.\\./api/[\\w-][\\w.-]*$', allowTypeImports: true, message: CORE_MSG },
          ],
        },
      ],
      'no-restricted-syntax': ['error', ONLY, ...anyLoad(CORE_MSG)],
    },
  },
  {
    // The renderer talks only to window.concord; from src-main it may take types, nothing else.
    files: ['src-renderer/**/*.{ts,tsx,mts}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: SRC_MAIN, allowTypeImports: true, message: RENDERER_TYPES_MSG },
            { regex: ELECTRON, message: RENDERER_NODE_MSG },
            { regex: NODE_BUILTIN, message: RENDERER_NODE_MSG },
            { regex: NODE_ONLY_PACKAGES, message: RENDERER_NODE_MSG },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        ONLY,
        ...loadsOf(SRC_MAIN, RENDERER_TYPES_MSG),
        ...[ELECTRON, NODE_BUILTIN, NODE_ONLY_PACKAGES].flatMap((regex) => loadsOf(regex, RENDERER_NODE_MSG)),
        { selector: "CallExpression[callee.name='require']", message: RENDERER_NODE_MSG },
      ],
    },
  },
  {
    // The preload exposes typed invoke and on through contextBridge; nothing else. Its tests
    // mock electron with src-main/shell/mock-electron, so they are not held to it.
    files: ['src-preload/**/*.{ts,mts}'],
    ignores: ['src-preload/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', allowImportNames: ['contextBridge', 'ipcRenderer', 'IpcRendererEvent'], message: PRELOAD_MSG }],
          // Everything but electron itself and the preload's own modules; types from anywhere are erased.
          patterns: [{ regex: '^(?!electron$|\\./[\\w-])', allowTypeImports: true, message: PRELOAD_MSG }],
        },
      ],
      'no-restricted-syntax': ['error', ONLY, ...anyLoad(PRELOAD_MSG)],
    },
  },
);
