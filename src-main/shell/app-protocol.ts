/**
 * The renderer is served from `app://concord/…`, a custom scheme Concord registers, instead of
 * `file://` (issue 13 §2). A file:// page shares the opaque origin "null" with every other local
 * file and may read any file the user can; an app:// page has an origin of its own, `'self'` in
 * the Content-Security-Policy means exactly the app, and only the files of the built renderer
 * folder can ever be answered.
 *
 * `resolveAppFile` is the whole policy and is pure, so it is tested on a real folder without
 * Electron: one host, paths decoded once and resolved inside the root, symlinks followed and
 * checked again after `realpath`, anything else a 404 or 403 with nothing read.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { contentTypeOf } from '../engine/server/content-types';

export const APP_SCHEME = 'app';
export const APP_HOST = 'concord';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * Registered before `ready`. `standard`: the URL has an origin and relative URLs resolve;
 * `secure`: the page counts as a secure context, like https; `supportFetchAPI`: the renderer's
 * module scripts load through fetch. No `bypassCSP`, no `corsEnabled` beyond our own origin.
 */
export const APP_SCHEME_PRIVILEGES = { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } };

/** Whether `path` is `root` itself or below it (both absolute and normalised). */
const inside = (root: string, path: string): boolean => {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
};

export type AppFile = { ok: true; path: string } | { ok: false; status: 400 | 403 | 404 };

/** The file under `root` that `url` names, or why there is none. `root` may itself be a symlink. */
export async function resolveAppFile(root: string, url: string): Promise<AppFile> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, status: 400 };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return { ok: false, status: 404 };
  let pathname: string;
  try {
    pathname = decodeURIComponent(u.pathname);
  } catch {
    return { ok: false, status: 400 };
  }
  // A NUL or a backslash has no business in a renderer asset's name.
  if (pathname.includes('\0') || pathname.includes('\\')) return { ok: false, status: 400 };
  if (pathname === '/' || pathname === '') pathname = '/index.html';
  const absRoot = resolve(root);
  const wanted = resolve(absRoot, `.${pathname}`);
  if (!inside(absRoot, wanted)) return { ok: false, status: 403 };
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(wanted), realpath(absRoot)]);
  } catch {
    return { ok: false, status: 404 };
  }
  // A symlink inside the folder that points out of it is refused like `..`.
  if (!inside(realRoot, real)) return { ok: false, status: 403 };
  const info = await stat(real).catch(() => null);
  if (!info?.isFile()) return { ok: false, status: 404 };
  return { ok: true, path: real };
}

/**
 * The protocol handler: the file's bytes with its type, the Content-Security-Policy (a custom
 * protocol's responses do not pass `webRequest.onHeadersReceived`, so the policy travels with
 * them), and `nosniff`. Errors answer with their status and an empty body.
 */
export function appProtocolHandler(root: string, csp: string): (request: { url: string }) => Promise<Response> {
  return async (request) => {
    const file = await resolveAppFile(root, request.url);
    if (!file.ok) return new Response(null, { status: file.status });
    try {
      const body = await readFile(file.path);
      return new Response(body, {
        status: 200,
        headers: { 'Content-Type': contentTypeOf(file.path), 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' },
      });
    } catch {
      return new Response(null, { status: 404 });
    }
  };
}
