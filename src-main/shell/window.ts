/**
 * The main window. Every webPreferences switch that matters for security is spelled out, even
 * where it is Electron's default, so a future default change cannot loosen it silently.
 */
import { BrowserWindow, type WebPreferences } from 'electron';
import type { RendererLocation } from './renderer-location';

export function mainWindowPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    // A middle click would otherwise open a link in a new window past the navigation guard.
    disableBlinkFeatures: 'Auxclick',
  };
}

/** The app's icon (window, taskbar, notifications), shipped in `resources/`. */
export const ICON_FILE = ['resources', 'icon.png'] as const;

export function createMainWindow(options: { preloadPath: string; iconPath: string; location: RendererLocation }): BrowserWindow {
  const window = new BrowserWindow({
    icon: options.iconPath,
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'Concord',
    show: false, // shown once painted: no white flash
    webPreferences: mainWindowPreferences(options.preloadPath),
  });
  window.once('ready-to-show', () => window.show());
  const { location } = options;
  void (location.kind === 'file' ? window.loadFile(location.path) : window.loadURL(location.url)).catch((error: unknown) => {
    console.error('[main] the window could not load the renderer', error);
  });
  return window;
}

/** Brings the window to the front (a second launch, a notification click). */
export function focusWindow(window: BrowserWindow | null): void {
  if (!window || window.isDestroyed()) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
