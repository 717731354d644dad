// Lint = the boundaries of DESIGN.md section 3, as errors (plus a small set of correctness rules).
// Break a boundary and `npm test` fails, not a review.
import tseslint from 'typescript-eslint';

const NODE_IO = ['fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'child_process', 'worker_threads', 'dgram', 'tls', 'dns', 'os', 'path', 'process', 'cluster', 'readline', 'stream'];
const io = [...NODE_IO, ...NODE_IO.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'dist/**', 'test-results/**', 'playwright-report/**', 'e2e/.tmp/**', '.helpers/**'] },
  {
    files: ['**/*.{ts,tsx,mts}'],
    extends: [tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.property.name='only'][callee.object.name=/^(it|test|describe)$/]", message: '.only would skip the rest of the suite.' }],
    },
  },
  {
    // The engine runs under plain Node (server, CLI) and in a utilityProcess: never Electron.
    files: ['src-main/engine/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'The engine must not import electron: it runs headless under plain Node too (DESIGN.md §3).' }] }],
    },
  },
  {
    // The sync core is pure: diff, merge, plan, mapping, matching. No I/O of any kind.
    files: ['src-main/engine/core/**/*.{ts,tsx}'],
    ignores: ['src-main/engine/core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The sync core is pure: no electron.' },
            { name: 'better-sqlite3', message: 'The sync core is pure: the engine does storage, not the core.' },
            ...io.map((name) => ({ name, message: 'The sync core is pure: no I/O (DESIGN.md §3). Do the I/O in src-main/engine/sync and pass data in.' })),
          ],
          patterns: [
            { group: ['**/store/**', '**/connectors/**', '**/sync/**', '**/server/**', '**/credentials/**', 'ws', 'pg', 'mysql2'], message: 'The sync core is pure: it may import only other core modules and types.' },
          ],
        },
      ],
    },
  },
  {
    // The renderer talks only to window.concord; from src-main it may take types, nothing else.
    files: ['src-renderer/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer talks only to window.concord.' }],
          patterns: [{ group: ['**/src-main/**', '!**/src-main/**/*.d'], allowTypeImports: true, message: 'The renderer may import only types from src-main (use `import type`).' }],
        },
      ],
      'no-restricted-imports': ['error', { paths: io.map((name) => ({ name, message: 'The renderer has no Node: talk to the engine through window.concord.' })) }],
    },
  },
  {
    files: ['src-preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', importNames: ['remote', 'shell'], message: 'The preload exposes only invoke and on.' }] }],
    },
  },
);
