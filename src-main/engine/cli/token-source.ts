/**
 * Where a headless server's token may come from: the environment or a file only the owner can
 * read. A token on the command line is visible to every local user (`ps`, /proc/<pid>/cmdline).
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../options';

export const TOKEN_HELP =
  'Give the token in the CONCORD_TOKEN environment variable or with --token-file FILE (a file only you can read: chmod 600 FILE); ' +
  'make a strong one with `concord token create --name NAME` (or `openssl rand -base64 32`), or leave both out and Concord makes one.';

/** The token in `path` (one line; surrounding whitespace dropped), after checking that only its owner can read it. */
export function readTokenFile(path: string): string {
  const abs = resolve(path);
  let mode: number;
  let uid: number;
  try {
    ({ mode, uid } = statSync(abs));
  } catch (error) {
    throw new UsageError(`cannot read the token file ${abs}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
  if ((mode & 0o077) !== 0) {
    throw new UsageError(`the token file ${abs} can be read by other users (mode ${(mode & 0o777).toString(8)}); run \`chmod 600 ${abs}\` and start again.`);
  }
  if (typeof process.getuid === 'function' && uid !== process.getuid()) {
    throw new UsageError(`the token file ${abs} belongs to another user; Concord takes a token only from a file of its own user.`);
  }
  const token = readFileSync(abs, 'utf8').trim();
  if (!token) throw new UsageError(`the token file ${abs} is empty. ${TOKEN_HELP}`);
  return token;
}
