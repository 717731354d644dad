/**
 * The main window. Every webPreferences switch that matters for security is spelled out, even
 * where it is Electron's default, so a future default change cannot loosen it silently.
 */
import { BrowserWindow, type WebPreferences } from 'electron';
import type { RendererLocation } from './renderer-location';

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
    // Written out here, in the constructor call, so a static scanner (electronegativity) sees them.
    webPreferences: {
      preload: options.preloadPath,
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
    } satisfies WebPreferences,
  });
  window.once('ready-to-show', () => window.show());
  const { location } = options;
  void window.loadURL(location.url).catch((error: unknown) => {
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
