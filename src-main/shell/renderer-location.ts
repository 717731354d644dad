/**
 * Where the renderer lives and how to tell our own page from anything else. The IPC sender check
 * and the navigation guard both ask `isOwnUrl`, so they can never disagree.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export type RendererLocation =
  | { kind: 'file'; path: string; url: string; isOwnUrl(url: string): boolean }
  | { kind: 'dev-server'; url: string; origin: string; isOwnUrl(url: string): boolean };

const parse = (url: string): URL | null => {
  try {
    return new URL(url);
  } catch {
    return null;
  }
};

/**
 * The built renderer (`out/renderer/index.html` under the app folder), or the dev server named by
 * `ELECTRON_RENDERER_URL` — honoured only in an unpackaged app and only on loopback, so a packaged
 * build can never be pointed at a foreign page by an environment variable.
 */
export function rendererLocation(options: { appPath: string; isPackaged: boolean; devUrl: string | undefined }): RendererLocation {
  const dev = options.devUrl && !options.isPackaged ? parse(options.devUrl) : null;
  if (dev && (dev.protocol === 'http:' || dev.protocol === 'https:') && ['localhost', '127.0.0.1', '[::1]'].includes(dev.hostname)) {
    const origin = dev.origin;
    return { kind: 'dev-server', url: dev.href, origin, isOwnUrl: (url) => parse(url)?.origin === origin };
  }
  const path = join(options.appPath, 'out', 'renderer', 'index.html');
  const own = pathToFileURL(path).href;
  return {
    kind: 'file',
    path,
    url: own,
    // file:// URLs all share the opaque origin "null": compare the document itself (query and
    // hash are the page's own state).
    isOwnUrl: (url) => {
      const u = parse(url);
      if (!u || u.protocol !== 'file:') return false;
      u.hash = '';
      u.search = '';
      return u.href === own;
    },
  };
}
