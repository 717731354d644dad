/**
 * Electron main, wired: single instance, hardening, the window, the engine process, the IPC
 * relay, failure notifications, and an orderly quit (the engine closes its store first).
 * Everything here is glue; the behaviour lives in the small modules it wires.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { app, BrowserWindow, Notification, protocol, session, shell } from 'electron';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, appProtocolHandler } from './app-protocol';
import { createEngineProcess } from './engine-process';
import { forwardEvent, registerIpcRelay } from './ipc-relay';
import { createFailureNotifier } from './notifications';
import { rendererLocation } from './renderer-location';
import { contentSecurityPolicy, denyAllPermissions, hardenWebContents, installContentSecurityPolicy } from './security';
import { createMainWindow, focusWindow, ICON_FILE } from './window';

export function startMain(): void {
  // A second Concord would open the same database and keychain entries: hand over to the first.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }

  // Before `ready`, or Electron ignores it: app:// gets an origin of its own (app-protocol.ts).
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

  const appPath = app.getAppPath();
  const location = rendererLocation({ appPath, isPackaged: app.isPackaged, devUrl: process.env.ELECTRON_RENDERER_URL });
  let mainWindow: BrowserWindow | null = null;
  const getWindow = (): BrowserWindow | null => (mainWindow && !mainWindow.isDestroyed() ? mainWindow : null);

  app.on('second-instance', () => focusWindow(getWindow()));

  app.on('web-contents-created', (_event, contents) => {
    hardenWebContents(contents, {
      isOwnUrl: location.isOwnUrl,
      openExternal: (url) => shell.openExternal(url),
    });
  });

  const iconPath = join(appPath, ...ICON_FILE);
  const electronSqlite = join(appPath, 'node_modules', '.concord-electron', 'better_sqlite3.node');
  const engine = createEngineProcess({
    modulePath: join(appPath, 'out', 'main', 'engine.js'),
    dataDir: app.getPath('userData'),
    ...(existsSync(electronSqlite) ? { sqliteBinding: electronSqlite } : {}),
  });

  const notifyFailure = createFailureNotifier(({ title, body }) => {
    if (!Notification.isSupported()) return;
    const notification = new Notification({ title, body, icon: iconPath });
    notification.on('click', () => focusWindow(getWindow()));
    notification.show();
  });
  engine.onEvent((event) => {
    notifyFailure(event);
    forwardEvent(getWindow(), event);
  });

  registerIpcRelay({ getWindow, isOwnUrl: location.isOwnUrl, engine, log: (message) => console.warn(`[main] ${message}`) });

  const openWindow = (): void => {
    mainWindow = createMainWindow({ preloadPath: join(appPath, 'out', 'preload', 'index.js'), iconPath, location });
    mainWindow.on('closed', () => {
      mainWindow = null;
    });
  };

  void app.whenReady().then(() => {
    const csp = contentSecurityPolicy(location.kind === 'dev-server' ? location.origin : null);
    installContentSecurityPolicy(session.defaultSession, csp);
    if (location.kind === 'app') protocol.handle(APP_SCHEME, appProtocolHandler(location.root, csp));
    denyAllPermissions(session.defaultSession);
    engine.start(); // utilityProcess.fork is only allowed after `ready`
    openWindow();
    app.on('activate', () => {
      if (!getWindow()) openWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // Quit waits for the engine to close its store (shutdown → closed, or a kill after the timeout).
  let quit: 'running' | 'stopping' | 'stopped' = 'running';
  app.on('before-quit', (event) => {
    if (quit === 'stopped') return;
    event.preventDefault();
    if (quit === 'stopping') return;
    quit = 'stopping';
    void engine.shutdown().finally(() => {
      quit = 'stopped';
      app.quit();
    });
  });
}
