import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiMethod } from '../engine/api/contract';
import { schemas } from '../engine/api/schemas';
import type { MockElectron, MockUtilityProcess } from './mock-electron';
import { mock, MockEvent, MockWebContents, MockWebFrame } from './mock-electron';
import { ICON_FILE } from './window';

vi.mock('electron', async () => (await import('./mock-electron')).mock.module);

const OWN_URL = 'app://concord/index.html';
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Loads main (src-main/index.ts) against a fresh mock electron, and fires `ready`. */
async function startMain(options: { gotLock?: boolean; ready?: boolean } = {}): Promise<MockElectron> {
  mock.reset();
  vi.resetModules();
  mock.state.gotLock = options.gotLock ?? true;
  await import('../index');
  if (options.ready ?? true) {
    mock.ready();
    await flush();
    await flush();
  }
  return mock;
}

const mainWindow = (m: MockElectron) => {
  const w = m.state.windows[0];
  if (!w) throw new Error('no window was created');
  return w;
};
const engine = (m: MockElectron): MockUtilityProcess => {
  const child = m.state.forks.at(-1);
  if (!child) throw new Error('no engine was started');
  return child;
};
const invoke = (m: MockElectron, event: unknown, method: unknown, args: unknown) => {
  const handler = m.state.ipcHandlers.get('concord:invoke');
  if (!handler) throw new Error('concord:invoke is not registered');
  return handler(event, method, args);
};
/** The IPC event Electron would build for a call from the window's own top frame. */
const ownEvent = (m: MockElectron) => ({ sender: mainWindow(m).webContents, senderFrame: mainWindow(m).webContents.mainFrame });

describe('Electron main with a MOCK electron module (Electron cannot run here)', () => {
  const savedDevUrl = process.env.ELECTRON_RENDERER_URL;
  beforeEach(() => {
    delete process.env.ELECTRON_RENDERER_URL;
  });
  afterEach(() => {
    if (savedDevUrl === undefined) delete process.env.ELECTRON_RENDERER_URL;
    else process.env.ELECTRON_RENDERER_URL = savedDevUrl;
  });

  describe('single instance', () => {
    it('a second instance quits at once and wires nothing', async () => {
      const m = await startMain({ gotLock: false });
      expect(m.state.quitCalls).toBe(1);
      expect(m.state.quitted).toBe(true);
      expect(m.state.windows).toHaveLength(0);
      expect(m.state.forks).toHaveLength(0);
      expect(m.state.ipcHandlers.size).toBe(0);
    });

    it('the first instance focuses (and restores) its window when a second one starts', async () => {
      const m = await startMain();
      const w = mainWindow(m);
      w.minimized = true;
      const shownBefore = w.shown;
      m.module.app.emit('second-instance');
      expect(w.restored).toBe(1);
      expect(w.focused).toBe(1);
      expect(w.shown).toBe(shownBefore + 1);
    });
  });

  describe('the window', () => {
    it('is created with every security switch set, and the built preload', async () => {
      const m = await startMain();
      const prefs = mainWindow(m).options.webPreferences;
      expect(prefs).toMatchObject({
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        disableBlinkFeatures: 'Auxclick',
        preload: '/opt/concord-app/out/preload/index.js',
      });
    });

    it('shows the icon shipped in resources/ (the file exists in the repository)', async () => {
      const m = await startMain();
      expect(mainWindow(m).options.icon).toBe('/opt/concord-app/resources/icon.png');
      const { existsSync } = await import('node:fs');
      const { resolve } = await import('node:path');
      expect(existsSync(resolve(__dirname, '../..', ...ICON_FILE))).toBe(true);
    });

    it('loads the built renderer from app://concord/ (not file://), or the loopback dev server when ELECTRON_RENDERER_URL is set', async () => {
      const m = await startMain();
      expect(mainWindow(m).loadedUrl).toBe(OWN_URL);
      expect(mainWindow(m).loadedFile).toBeNull();
      process.env.ELECTRON_RENDERER_URL = 'http://localhost:5173/';
      const dev = await startMain();
      expect(mainWindow(dev).loadedUrl).toBe('http://localhost:5173/');
      // A non-loopback URL is never honoured: the built renderer is loaded instead.
      process.env.ELECTRON_RENDERER_URL = 'https://evil.example/';
      const evil = await startMain();
      expect(mainWindow(evil).loadedUrl).toBe(OWN_URL);
    });

    it('registers app:// as a standard, secure scheme before ready, and serves out/renderer through it once ready (and only then)', async () => {
      const m = await startMain({ ready: false });
      expect(m.state.privilegedSchemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
      expect(m.state.protocolHandlers.size).toBe(0);
      m.ready();
      await flush();
      const handler = m.state.protocolHandlers.get('app');
      expect(handler).toBeDefined();
      // The app folder of the mock does not exist: a real file is not found, and a path out of it is refused before any read.
      expect((await handler?.({ url: 'app://concord/index.html' }))?.status).toBe(404);
      expect((await handler?.({ url: 'app://concord/..%2f..%2f..%2fetc%2fpasswd' }))?.status).toBe(403);
      // The dev server is loaded over http: no app:// handler then.
      process.env.ELECTRON_RENDERER_URL = 'http://localhost:5173/';
      const dev = await startMain();
      expect(dev.state.protocolHandlers.size).toBe(0);
    });
  });

  describe('hardening', () => {
    it('sets the strict Content-Security-Policy on every response, replacing the server\'s', async () => {
      const m = await startMain();
      const listener = m.state.headersListener;
      expect(listener).not.toBeNull();
      let headers: Record<string, string[]> | undefined;
      listener?.({ responseHeaders: { 'content-security-policy': ["default-src *"], 'X-Other': ['1'] } }, (r) => (headers = r.responseHeaders));
      expect(headers).toEqual({
        'X-Other': ['1'],
        'Content-Security-Policy': [
          "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        ],
      });
    });

    it('blocks navigation and redirects away from our page, for the window and any other webContents', async () => {
      const m = await startMain();
      const other = new MockWebContents();
      m.module.app.emit('web-contents-created', new MockEvent(), other);
      for (const contents of [mainWindow(m).webContents, other]) {
        for (const name of ['will-navigate', 'will-redirect']) {
          const away = new MockEvent('https://evil.example/phish');
          contents.emit(name, away);
          expect(away.defaultPrevented, `${name} away`).toBe(true);
          const local = new MockEvent('file:///etc/passwd');
          contents.emit(name, local);
          expect(local.defaultPrevented, `${name} to another file`).toBe(true);
          const own = new MockEvent(`${OWN_URL}#/inbox`);
          contents.emit(name, own);
          expect(own.defaultPrevented, `${name} within our page`).toBe(false);
        }
        const webview = new MockEvent();
        contents.emit('will-attach-webview', webview);
        expect(webview.defaultPrevented).toBe(true);
      }
    });

    it('denies every new window; only http(s) links go to the OS browser', async () => {
      const m = await startMain();
      const open = mainWindow(m).webContents.windowOpenHandler;
      for (const url of ['https://docs.example/help', 'http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'not a url']) {
        expect(open?.({ url })).toEqual({ action: 'deny' });
      }
      expect(m.state.openedExternally).toEqual(['https://docs.example/help', 'http://example.com/']);
    });

    it('denies every permission request and check', async () => {
      const m = await startMain();
      for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
        let granted: boolean | undefined;
        m.state.permissionRequestHandler?.(mainWindow(m).webContents, permission, (g) => (granted = g), {});
        expect(granted, permission).toBe(false);
        expect(m.state.permissionCheckHandler?.(mainWindow(m).webContents, permission)).toBe(false);
      }
    });
  });

  describe('IPC relay', () => {
    it('starts the engine with the data folder and its service name', async () => {
      const m = await startMain();
      const child = engine(m);
      expect(child.modulePath).toBe('/opt/concord-app/out/main/engine.js');
      expect(child.args).toEqual(['--data-dir', '/home/user/.config/Concord#userData']);
      expect(child.options).toEqual({ serviceName: 'Concord engine' });
    });

    it('relays every contract method to the engine with a request id and returns its answer', async () => {
      const m = await startMain();
      const methods = Object.keys(schemas) as ApiMethod[];
      expect(methods.length).toBeGreaterThan(20);
      for (const method of methods) {
        const args = { probe: method };
        const response = await invoke(m, ownEvent(m), method, args);
        expect(response, method).toEqual({ ok: true, value: { echo: method, args } });
      }
      const invokes = engine(m).posted.filter((p) => p.type === 'invoke');
      expect(invokes.map((p) => p.method)).toEqual(methods);
      expect(new Set(invokes.map((p) => p.id)).size).toBe(methods.length);
    });

    it('refuses an unknown method without bothering the engine', async () => {
      const m = await startMain();
      expect(await invoke(m, ownEvent(m), 'fs/read-file', {})).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
      expect(engine(m).posted).toEqual([]);
    });

    it('answers unauthorized to a foreign webContents, a subframe, another origin or a missing frame', async () => {
      const m = await startMain();
      const w = mainWindow(m);
      const stranger = new MockWebContents(OWN_URL);
      const iframe = new MockWebFrame(OWN_URL, w.webContents.mainFrame);
      const cases = {
        'another webContents': { sender: stranger, senderFrame: stranger.mainFrame },
        'a subframe of our window': { sender: w.webContents, senderFrame: iframe },
        'no frame': { sender: w.webContents, senderFrame: null },
      };
      for (const [name, event] of Object.entries(cases)) {
        expect(await invoke(m, event, 'pairs/list', {}), name).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
      }
      // Our own window, but its top frame shows another origin (a navigation that slipped through).
      w.webContents.mainFrame.url = 'https://evil.example/';
      expect(await invoke(m, ownEvent(m), 'pairs/list', {})).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
      w.webContents.mainFrame.url = 'file:///tmp/other.html';
      expect(await invoke(m, ownEvent(m), 'pairs/list', {})).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
      expect(engine(m).posted).toEqual([]);
    });

    it('accepts the dev server origin in development and nothing else', async () => {
      process.env.ELECTRON_RENDERER_URL = 'http://localhost:5173/';
      const m = await startMain();
      expect(await invoke(m, ownEvent(m), 'pairs/list', {})).toMatchObject({ ok: true });
      mainWindow(m).webContents.mainFrame.url = 'http://localhost:5174/';
      expect(await invoke(m, ownEvent(m), 'pairs/list', {})).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    });
  });

  describe('engine events', () => {
    const pair = (health: string) => ({ id: 'p1', name: 'CRM ↔ Billing', health, healthReason: health === 'failing' ? 'HubSpot answered 401' : null });

    it('forwards every engine event to the window on concord:event', async () => {
      const m = await startMain();
      engine(m).emit('message', { type: 'event', event: 'conflicts/changed', payload: { open: 3, byPair: { p1: 3 } } });
      engine(m).emit('message', { type: 'event', event: 'pairs/removed', payload: { pairId: 'p9' } });
      engine(m).emit('message', { nonsense: true });
      expect(mainWindow(m).webContents.sent).toEqual([
        ['concord:event', 'conflicts/changed', { open: 3, byPair: { p1: 3 } }],
        ['concord:event', 'pairs/removed', { pairId: 'p9' }],
      ]);
    });

    it('notifies once when a pair turns failing, not again for each failed run, again after it recovered', async () => {
      const m = await startMain();
      const send = (health: string) => engine(m).emit('message', { type: 'event', event: 'pairs/changed', payload: pair(health) });
      send('in-sync');
      expect(m.state.notifications).toHaveLength(0);
      send('failing');
      send('failing');
      expect(m.state.notifications).toHaveLength(1);
      expect(m.state.notifications[0]?.options).toEqual({ title: 'Concord: “CRM ↔ Billing” is failing', body: 'HubSpot answered 401', icon: '/opt/concord-app/resources/icon.png' });
      expect(m.state.notifications[0]?.shown).toBe(true);
      // A scheduled pair that fails run after run: syncing is not a recovery.
      send('syncing');
      send('failing');
      expect(m.state.notifications).toHaveLength(1);
      send('in-sync');
      send('syncing');
      send('failing');
      expect(m.state.notifications).toHaveLength(2);
      // Clicking it brings the window forward.
      const focusedBefore = mainWindow(m).focused;
      m.state.notifications[1]?.emit('click');
      expect(mainWindow(m).focused).toBe(focusedBefore + 1);
    });
  });

  describe('workflow actions', () => {
    it("shows a pair's notify action as a desktop notification, through the same path as the failing-pair one", async () => {
      const m = await startMain();
      engine(m).emit('message', { type: 'event', event: 'actions/notify', payload: { pairId: 'p1', deliveryId: 'd1', event: 'conflict.opened', title: 'Concord: “CRM ↔ Billing”', body: '3 conflicts opened. Open the inbox to decide.' } });
      expect(m.state.notifications).toHaveLength(1);
      expect(m.state.notifications[0]?.options).toEqual({ title: 'Concord: “CRM ↔ Billing”', body: '3 conflicts opened. Open the inbox to decide.', icon: '/opt/concord-app/resources/icon.png' });
      expect(m.state.notifications[0]?.shown).toBe(true);
    });
  });

  describe('quit', () => {
    it('sends shutdown, waits for the engine to say closed, then quits', async () => {
      const m = await startMain();
      const child = engine(m);
      let closeEngine: () => void = () => undefined;
      m.state.engineScript = (message, c) => {
        if (message.type === 'shutdown') closeEngine = () => {
          c.emit('message', { type: 'closed' });
          c.exit(0);
        };
      };
      m.module.app.quit();
      expect(child.posted).toEqual([{ type: 'shutdown' }]);
      await flush();
      expect(m.state.quitted).toBe(false); // still waiting for the engine
      m.module.app.quit(); // a second quit request does not send a second shutdown
      expect(child.posted).toHaveLength(1);
      closeEngine();
      await flush();
      await flush();
      expect(m.state.quitted).toBe(true);
      expect(child.killed).toBe(false);
    });

    it('a request after quit started is refused with a clear message', async () => {
      const m = await startMain();
      m.state.engineScript = () => undefined;
      m.module.app.quit();
      expect(await invoke(m, ownEvent(m), 'pairs/list', {})).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/shutting down/) } });
    });
  });
});
