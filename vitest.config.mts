import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src-main/**/*.test.ts', 'src-preload/**/*.test.ts', 'src-renderer/**/*.test.{ts,tsx}', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
    // Component tests opt into a DOM with `// @vitest-environment happy-dom` at the top of the file.
    environment: 'node',
    // Testing Library's waits last as long as a test may, not 1 s (see the file).
    setupFiles: ['scripts/vitest-setup.ts'],
    // One PostgreSQL and one MariaDB for the whole run, started on first use and stopped at its end
    // (issue 10 §4); each test file makes its own databases and user on them (see the file).
    globalSetup: ['src-main/engine/testing/shared-servers.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // better-sqlite3 and child processes: separate processes keep native state apart.
    pool: 'forks',
  },
});
