import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

// This project keeps its processes in src-main, src-preload and src-renderer (not electron-vite's
// default src/*). Native modules (better-sqlite3, keytar) stay external: bundled, they cannot find
// their .node bindings.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        // keytar is an optionalDependency (a machine without libsecret still installs): external
        // like the regular dependencies, so its .node binding loads from node_modules.
        external: ['keytar', 'better-sqlite3'],
        input: {
          // Electron main (the thin shell)
          index: resolve(__dirname, 'src-main/index.ts'),
          // The engine: run by main in a utilityProcess, or headless under plain Node
          engine: resolve(__dirname, 'src-main/engine/process-entry.ts'),
          // `concord` command line: serve, sync, pairs, conflicts
          cli: resolve(__dirname, 'src-main/cli.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: { input: { index: resolve(__dirname, 'src-preload/index.ts') } },
    },
  },
  renderer: {
    root: 'src-renderer',
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rollupOptions: { input: { index: resolve(__dirname, 'src-renderer/index.html') } },
    },
    plugins: [react()],
  },
});
