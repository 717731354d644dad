import { describe, expect, it } from 'vitest';
import { rendererLocation } from './renderer-location';
import { contentSecurityPolicy, CONTENT_SECURITY_POLICY, isWebLink } from './security';

describe('renderer location', () => {
  it('the built renderer is served as app://concord/ from out/renderer; any page of that host is our own, nothing else (file:// included)', () => {
    const loc = rendererLocation({ appPath: '/opt/Concord app', isPackaged: true, devUrl: undefined });
    expect(loc).toMatchObject({ kind: 'app', root: '/opt/Concord app/out/renderer', url: 'app://concord/index.html' });
    for (const url of ['app://concord/index.html', 'app://concord/index.html#/inbox?x=1', 'app://concord/']) expect(loc.isOwnUrl(url), url).toBe(true);
    for (const url of ['file:///opt/Concord%20app/out/renderer/index.html', 'app://other/index.html', 'app://user:pw@concord/', 'file:///etc/passwd', 'https://example.com/', 'about:blank', '', 'nonsense']) {
      expect(loc.isOwnUrl(url), url).toBe(false);
    }
  });

  it('the dev server only when unpackaged and on loopback; then its origin only', () => {
    const dev = rendererLocation({ appPath: '/app', isPackaged: false, devUrl: 'http://localhost:5173' });
    expect(dev.kind).toBe('dev-server');
    expect(dev.isOwnUrl('http://localhost:5173/src/main.tsx')).toBe(true);
    expect(dev.isOwnUrl('http://localhost:5174/')).toBe(false);
    expect(dev.isOwnUrl('https://localhost:5173/')).toBe(false);
    expect(rendererLocation({ appPath: '/app', isPackaged: true, devUrl: 'http://localhost:5173' }).kind).toBe('app');
    expect(rendererLocation({ appPath: '/app', isPackaged: false, devUrl: 'http://192.168.1.9:5173' }).kind).toBe('app');
    expect(rendererLocation({ appPath: '/app', isPackaged: false, devUrl: 'file:///tmp/x.html' }).kind).toBe('app');
  });
});

describe('security helpers', () => {
  it('the dev CSP only adds the dev server (http and ws) to connect-src', () => {
    expect(contentSecurityPolicy(null)).toBe(CONTENT_SECURITY_POLICY);
    const dev = contentSecurityPolicy('http://localhost:5173');
    expect(dev).toContain("connect-src 'self' http://localhost:5173 ws://localhost:5173;");
    expect(dev.replace(" http://localhost:5173 ws://localhost:5173", '')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('only http and https are web links', () => {
    expect(['https://a.example', 'http://a.example'].every(isWebLink)).toBe(true);
    expect(['file:///x', 'javascript:alert(1)', 'mailto:a@b.c', 'ms-settings:', ''].some(isWebLink)).toBe(false);
  });
});
