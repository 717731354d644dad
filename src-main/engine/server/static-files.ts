/**
 * Serves the built renderer (out/renderer). Paths are resolved inside the root only; anything
 * that is not a file falls back to index.html so the app's own routes load.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join, normalize, resolve, sep } from 'node:path';
import { contentTypeOf } from './content-types';

export function checkStaticRoot(root: string): void {
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(`The UI is not built: ${join(root, 'index.html')} is missing. Run \`npm run build\` (or use \`npm run serve\`, which builds first).`);
  }
}

export function serveStatic(root: string, urlPath: string, res: ServerResponse, headers: Record<string, string>): void {
  const rootAbs = resolve(root);
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  } catch {
    rel = '/';
  }
  let file = resolve(rootAbs, '.' + normalize('/' + rel));
  if (!(file === rootAbs || file.startsWith(rootAbs + sep)) || !isFile(file)) file = join(rootAbs, 'index.html');
  const type = contentTypeOf(file);
  // Hashed assets never change; index.html must be re-read so a new build is picked up.
  const cache = file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
  res.writeHead(200, { ...headers, 'content-type': type, 'cache-control': cache });
  createReadStream(file).pipe(res);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
