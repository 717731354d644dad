import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { APP_INDEX_URL, appProtocolHandler, resolveAppFile } from './app-protocol';
import { CONTENT_SECURITY_POLICY } from './security';

const base = mkdtempSync(join(tmpdir(), 'concord-app-protocol-'));
const root = join(base, 'renderer');
mkdirSync(join(root, 'assets'), { recursive: true });
writeFileSync(join(root, 'index.html'), '<!doctype html><title>Concord</title>');
writeFileSync(join(root, 'assets', 'main.js'), 'console.log(1)');
writeFileSync(join(root, 'assets', 'a b.css'), 'body{}');
writeFileSync(join(base, 'secret.txt'), 'not for the page');
symlinkSync(join(base, 'secret.txt'), join(root, 'assets', 'link-out.txt'));
symlinkSync(base, join(root, 'dir-out'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('app:// protocol (the renderer served from its own origin, not file://)', () => {
  it('answers the renderer\'s files, with their type and the CSP; / is index.html', async () => {
    expect(await resolveAppFile(root, APP_INDEX_URL)).toEqual({ ok: true, path: join(root, 'index.html') });
    expect(await resolveAppFile(root, 'app://concord/')).toEqual({ ok: true, path: join(root, 'index.html') });
    expect(await resolveAppFile(root, 'app://concord/assets/a%20b.css?v=1#x')).toEqual({ ok: true, path: join(root, 'assets', 'a b.css') });
    const handle = appProtocolHandler(root, CONTENT_SECURITY_POLICY);
    const r = await handle({ url: 'app://concord/assets/main.js' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await r.text()).toBe('console.log(1)');
  });

  it('never answers a file outside the folder: .., encoded .. and slashes, symlinks out, other hosts and schemes', async () => {
    const handle = appProtocolHandler(root, CONTENT_SECURITY_POLICY);
    const refused: [string, number][] = [
      ['app://concord/../secret.txt', 404], // the URL parser drops the .. at the root: renderer/secret.txt does not exist
      ['app://concord/%2e%2e/secret.txt', 404],
      ['app://concord/assets/..%2f..%2fsecret.txt', 403],
      ['app://concord/%2e%2e%2fsecret.txt', 403],
      ['app://concord/assets/link-out.txt', 403],
      ['app://concord/dir-out/secret.txt', 403],
      ['app://concord/assets', 404],
      ['app://concord/missing.js', 404],
      ['app://other/index.html', 404],
      ['file:///etc/passwd', 404],
      ['app://concord/%E0%A4%A', 400],
      ['app://concord/a%00.html', 400],
      ['app://concord/..%5csecret.txt', 400],
      ['not a url', 400],
    ];
    for (const [url, status] of refused) {
      const r = await handle({ url });
      expect([url, r.status]).toEqual([url, status]);
      expect(await r.text()).toBe('');
    }
  });
});
