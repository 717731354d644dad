/**
 * Where the renderer lives and how to tell our own page from anything else. The IPC sender check
 * and the navigation guard both ask `isOwnUrl`, so they can never disagree.
 */
import { join } from 'node:path';
import { APP_HOST, APP_INDEX_URL, APP_SCHEME } from './app-protocol';

export type RendererLocation =
  /** The built renderer folder `root`, served as app://concord/ (app-protocol.ts). */
  | { kind: 'app'; root: string; url: string; isOwnUrl(url: string): boolean }
  | { kind: 'dev-server'; url: string; origin: string; isOwnUrl(url: string): boolean };

const parse = (url: string): URL | null => {
  try {
    return new URL(url);
  } catch {
    return null;
  }
};

/**
 * The built renderer (`out/renderer/` under the app folder, served as app://concord/), or the dev server named by
 * `ELECTRON_RENDERER_URL` — honoured only in an unpackaged app and only on loopback, so a packaged
 * build can never be pointed at a foreign page by an environment variable.
 */
export function rendererLocation(options: { appPath: string; isPackaged: boolean; devUrl: string | undefined }): RendererLocation {
  const dev = options.devUrl && !options.isPackaged ? parse(options.devUrl) : null;
  if (dev && (dev.protocol === 'http:' || dev.protocol === 'https:') && ['localhost', '127.0.0.1', '[::1]'].includes(dev.hostname)) {
    const origin = dev.origin;
    return { kind: 'dev-server', url: dev.href, origin, isOwnUrl: (url) => parse(url)?.origin === origin };
  }
  const root = join(options.appPath, 'out', 'renderer');
  return {
    kind: 'app',
    root,
    url: APP_INDEX_URL,
    // Node gives a non-special scheme the opaque origin "null": compare scheme and host instead.
    // Any path of our host is our page (the protocol answers only the renderer's files).
    isOwnUrl: (url) => {
      const u = parse(url);
      return u !== null && u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
    },
  };
}
