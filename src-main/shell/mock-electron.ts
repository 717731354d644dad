/**
 * A MOCK of the `electron` module, for tests only: Electron's binary cannot run on these
 * machines (it is downloaded from outside on first start), so the shell's tests load main and
 * the preload against this stand-in via `vi.mock('electron', …)`. It models just the behaviour
 * the shell relies on — `app.quit()` emitting a preventable `before-quit`, `BrowserWindow`
 * emitting `web-contents-created`, `ipcMain.handle` registrations, utilityProcess messaging —
 * and records everything so the tests can assert on it. The engine child is scripted.
 */
import { EventEmitter } from 'node:events';

export class MockWebFrame {
  constructor(
    public url: string,
    public parent: MockWebFrame | null = null,
  ) {}
}

export class MockWebContents extends EventEmitter {
  readonly mainFrame: MockWebFrame;
  readonly sent: unknown[][] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  destroyed = false;
  constructor(url = '') {
    super();
    this.mainFrame = new MockWebFrame(url);
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args]);
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

/** A cancellable Electron event, as handed to `will-navigate`, `before-quit`, … */
export class MockEvent {
  defaultPrevented = false;
  constructor(public url = '') {}
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

export type EngineScript = (message: { type: string; id?: number; method?: string; args?: unknown }, child: MockUtilityProcess) => void;

/** Answers like a healthy engine: ready at once, echoes every call, closes on shutdown. */
export const healthyEngine: EngineScript = (message, child) => {
  if (message.type === 'invoke') {
    setImmediate(() =>
      child.emit('message', { type: 'result', id: message.id, response: { ok: true, value: { echo: message.method, args: message.args } } }),
    );
  } else if (message.type === 'shutdown') {
    setImmediate(() => {
      child.emit('message', { type: 'closed' });
      child.exit(0);
    });
  }
};

export class MockUtilityProcess extends EventEmitter {
  readonly posted: { type: string; id?: number; method?: string; args?: unknown }[] = [];
  killed = false;
  exited = false;
  constructor(
    readonly modulePath: string,
    readonly args: string[],
    readonly options: unknown,
    private readonly script: () => EngineScript,
  ) {
    super();
  }
  postMessage(message: { type: string; id?: number; method?: string; args?: unknown }): void {
    this.posted.push(message);
    this.script()(message, this);
  }
  kill(): boolean {
    this.killed = true;
    this.exit(null);
    return true;
  }
  exit(code: number | null): void {
    if (this.exited) return;
    this.exited = true;
    this.emit('exit', code ?? 1);
  }
}


export function createMockElectron() {
  let resolveReady: () => void = () => undefined;
  let readyPromise = new Promise<void>((resolve) => (resolveReady = resolve));
  let state = freshState();

  const app = Object.assign(new EventEmitter(), {
    requestSingleInstanceLock: () => state.gotLock,
    getAppPath: () => '/opt/concord-app',
    getPath: (name: string) => `/home/user/.config/Concord#${name}`,
    isPackaged: false,
    whenReady: () => readyPromise,
    quit: () => {
      state.quitCalls++;
      const event = new MockEvent();
      app.emit('before-quit', event);
      if (!event.defaultPrevented) state.quitted = true;
    },
  });

  class MockBrowserWindow extends EventEmitter {
    readonly webContents = new MockWebContents();
    loadedFile: string | null = null;
    loadedUrl: string | null = null;
    shown = 0;
    focused = 0;
    restored = 0;
    minimized = false;
    destroyed = false;
    constructor(readonly options: { webPreferences?: Record<string, unknown> } & Record<string, unknown>) {
      super();
      state.windows.push(this);
      app.emit('web-contents-created', new MockEvent(), this.webContents);
    }
    loadFile(path: string): Promise<void> {
      this.loadedFile = path;
      this.webContents.mainFrame.url = new URL(`file://${path}`).href;
      return Promise.resolve();
    }
    loadURL(url: string): Promise<void> {
      this.loadedUrl = url;
      this.webContents.mainFrame.url = url;
      return Promise.resolve();
    }
    isDestroyed = () => this.destroyed;
    isMinimized = () => this.minimized;
    restore = () => void this.restored++;
    show = () => void this.shown++;
    focus = () => void this.focused++;
  }

  class MockNotification extends EventEmitter {
    static isSupported = () => true;
    shown = false;
    constructor(readonly options: { title: string; body: string }) {
      super();
      state.notifications.push(this);
    }
    show(): void {
      this.shown = true;
    }
  }

  function freshState() {
    return {
      gotLock: true,
      ready: false,
      quitCalls: 0,
      quitted: false,
      engineScript: healthyEngine,
      /** Whether a forked engine says `ready` by itself. */
      engineAutoReady: true,
      forks: [] as MockUtilityProcess[],
      windows: [] as MockBrowserWindow[],
      notifications: [] as MockNotification[],
      openedExternally: [] as string[],
      headersListener: null as null | ((details: { responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders?: Record<string, string[]> }) => void) => void),
      permissionRequestHandler: null as null | ((contents: unknown, permission: string, cb: (granted: boolean) => void, details: unknown) => void),
      permissionCheckHandler: null as null | ((contents: unknown, permission: string) => boolean),
      ipcHandlers: new Map<string, (event: unknown, ...args: unknown[]) => unknown>(),
      exposed: {} as Record<string, unknown>,
      rendererInvokes: [] as unknown[][],
      privilegedSchemes: [] as { scheme: string; privileges: Record<string, boolean> }[],
      protocolHandlers: new Map<string, (request: { url: string }) => Promise<Response>>(),
    };
  }

  const module = {
    app,
    BrowserWindow: MockBrowserWindow,
    Notification: MockNotification,
    ipcMain: {
      handle: (channel: string, handler: (event: unknown, ...args: unknown[]) => unknown) => {
        if (state.ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        state.ipcHandlers.set(channel, handler);
      },
      removeHandler: (channel: string) => state.ipcHandlers.delete(channel),
    },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (listener: typeof state.headersListener) => (state.headersListener = listener) },
        setPermissionRequestHandler: (handler: typeof state.permissionRequestHandler) => (state.permissionRequestHandler = handler),
        setPermissionCheckHandler: (handler: typeof state.permissionCheckHandler) => (state.permissionCheckHandler = handler),
      },
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: { scheme: string; privileges: Record<string, boolean> }[]) => {
        // Electron only honours this before `ready`; a later call is a wiring bug the tests should see.
        if (state.ready) throw new Error('protocol.registerSchemesAsPrivileged called after the app was ready');
        state.privilegedSchemes.push(...schemes);
      },
      handle: (scheme: string, handler: (request: { url: string }) => Promise<Response>) => {
        if (!state.ready) throw new Error('protocol.handle called before the app was ready');
        state.protocolHandlers.set(scheme, handler);
      },
    },
    shell: {
      openExternal: (url: string) => {
        state.openedExternally.push(url);
        return Promise.resolve();
      },
    },
    utilityProcess: {
      fork: (modulePath: string, args: string[], options: unknown) => {
        const child = new MockUtilityProcess(modulePath, args, options, () => state.engineScript);
        state.forks.push(child);
        if (state.engineAutoReady) setImmediate(() => child.emit('message', { type: 'ready' }));
        return child;
      },
    },
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => {
        state.exposed[key] = api;
      },
    },
    ipcRenderer: Object.assign(new EventEmitter(), {
      invoke: (...args: unknown[]) => {
        state.rendererInvokes.push(args);
        return Promise.resolve({ ok: true, value: 'from main' });
      },
    }),
  };

  return {
    get state() {
      return state;
    },
    module: { ...module, default: module },
    /** Fires `app.whenReady()`. */
    ready: () => {
      state.ready = true;
      resolveReady();
    },
    /** A fresh recording and a not-yet-ready app; the module object itself stays the same. */
    reset: () => {
      state = freshState();
      readyPromise = new Promise<void>((resolve) => (resolveReady = resolve));
      app.removeAllListeners();
      module.ipcRenderer.removeAllListeners();
    },
  };
}

export type MockElectron = ReturnType<typeof createMockElectron>;

/**
 * One per test process, kept on globalThis: `vi.resetModules()` may re-evaluate this file, but
 * main's cached `electron` mock and the test must still share one instance.
 */
const holder = globalThis as typeof globalThis & { __concordMockElectron?: MockElectron };
export const mock: MockElectron = (holder.__concordMockElectron ??= createMockElectron());
