#!/usr/bin/env node
/**
 * `concord` — the engine without a window.
 *   concord serve [--port N] [--host H] [--data-dir D] [--files-root F] [--token-file FILE]   the UI in a browser, behind a token
 *         [--webhook-host H] [--webhook-port N] [--webhook-public-url URL]                   and the webhook receiver
 *   concord token create --name N [--admin] | list | revoke <name>  named access tokens
 *   concord sessions [list | revoke <id>]                            browser sessions
 *   concord pairs                                                    list pairs and their health
 *   concord sync <pair> [--full]                                     run a pair now, with progress
 *   concord conflicts [--pair <pair>]                                list open conflicts
 * Flags may also come from the environment: CONCORD_DATA_DIR, CONCORD_PORT, CONCORD_HOST, CONCORD_TOKEN, CONCORD_FILES_ROOT,
 * CONCORD_WEBHOOK_HOST, CONCORD_WEBHOOK_PORT, CONCORD_WEBHOOK_PUBLIC_URL.
 */
import { runCommand } from './engine/cli/commands';
import { restrictUmask } from './engine/data-dir-permissions';
import { UsageError } from './engine/options';

// Every file Concord creates (the database, its WAL, exports) is its owner's only.
restrictUmask();

runCommand(process.argv.slice(2), process.env).then(
  (code) => {
    if (code !== null) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`concord: ${error.message}\nRun \`concord help\` for the commands.`);
      process.exitCode = 2;
    } else {
      console.error(`concord: ${error instanceof Error ? error.message : String(error)}`);
      if (process.env.CONCORD_DEBUG && error instanceof Error) console.error(error.stack);
      process.exitCode = 1;
    }
  },
);
