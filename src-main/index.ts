/**
 * Electron main entry (built to out/main/index.js). Thin by design: windows, notifications and
 * the relay to the engine process; all of Concord's logic lives in the engine (src-main/engine),
 * which never imports Electron.
 */
import { startMain } from './shell/app';

startMain();
