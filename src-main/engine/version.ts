// Injected at build time by electron-vite (define) would tie the engine to the bundler; reading
// package.json keeps it true under plain Node and Vitest too.
import pkg from '../../package.json';

export const VERSION: string = pkg.version;
