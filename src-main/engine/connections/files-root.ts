/**
 * Which files a connection may name. Headless (`concord serve`, the CLI), an API token must not
 * give the machine's files: a CSV "connection" to /etc/shadow would show its lines, and a CSV
 * written into ~/.bashrc runs commands at the next login. So every path-kind config value — found
 * through the connector's config schema (`path()` fields), never by connector kind — must resolve
 * inside the files root. The desktop app is not confined: its user owns the machine.
 *
 * Invariants:
 * - A path is judged after `realpath` (for a file that does not exist yet, its nearest existing
 *   folder's realpath plus the rest), so no symlink and no `..` gets out of the root.
 * - A dangling symlink is refused: writing through it would create its target, wherever it is.
 * - The data folder (Concord's database, its WAL, the credentials file, the lock) is refused,
 *   except the files root when the root is a folder inside it (the default).
 * - The check runs when a connection is created, updated, tested as a draft, and on every open:
 *   a file swapped for a symlink after it was saved is caught at the next run.
 * - A relative path is taken inside the files root (a browser user cannot know the server's
 *   working folder).
 */
import { lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { ApiError } from '../api/errors';
import { describeConfigFields, type ConfigSchema } from '../connectors/config-schema';
import type { ConfigIssue } from '../connectors/config-check';

/**
 * Where connections may point: `anywhere` (the desktop app, whose user owns the machine) or inside
 * `root`. An explicit choice of whoever starts the engine.
 */
export type FileAccess = 'anywhere' | { root: string };

/** The folder inside the data folder that a headless server may use when --files-root is not given. */
export const DEFAULT_FILES_FOLDER = 'files';
export const FILES_ROOT_ENV = 'CONCORD_FILES_ROOT';

/** Creates the files root (0700) if it is missing; refuses a root that is, or holds only, the data folder. */
export function prepareFilesRoot(root: string, dataDir: string): string {
  const abs = resolve(root);
  mkdirSync(abs, { recursive: true, mode: 0o700 });
  const rootReal = realpathSync(abs);
  const dataReal = realpathOrSelf(resolve(dataDir));
  if (rootReal === dataReal) {
    throw new ApiError('invalid-input', `The files root ${abs} is Concord's data folder; connections must never reach Concord's own database. Use a folder of its own (the default is ${join(dataDir, DEFAULT_FILES_FOLDER)}).`);
  }
  return abs;
}

const inside = (path: string, folder: string): boolean => path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * The real location of `abs`: realpath of the file, or of its nearest existing folder plus the
 * names below it. Throws a refusal for a dangling symlink.
 */
function realLocation(abs: string, shown: string, label: string): string {
  try {
    return realpathSync(abs);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let entryExists = false;
  try {
    lstatSync(abs);
    entryExists = true;
  } catch {
    // nothing there: a file still to be created
  }
  if (entryExists) {
    throw new ApiError('invalid-input', `The ${label} ${shown} is a link to a file that does not exist; Concord does not follow it (writing through it would create a file elsewhere). Name the file itself.`);
  }
  const rest: string[] = [basename(abs)];
  let folder = dirname(abs);
  for (;;) {
    try {
      return join(realpathSync(folder), ...rest.reverse());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(folder) === folder) throw error;
      rest.push(basename(folder));
      folder = dirname(folder);
    }
  }
}

type PathConfig = Record<string, string | number | boolean>;

export type CheckedPath = { stored: string; real: string };

/**
 * Checks one path against the policy. `stored` is the absolute path to keep in the config (what
 * the user meant); `real` is the file the connector should open.
 */
export function checkFilePath(value: string, access: FileAccess, dataDir: string, label = 'file'): CheckedPath {
  if (access === 'anywhere') return { stored: value, real: value };
  const rootReal = realpathSync(access.root);
  const stored = isAbsolute(value) ? resolve(value) : resolve(access.root, value);
  const real = realLocation(stored, value, label);
  const dataReal = realpathOrSelf(resolve(dataDir));
  const outside = () =>
    new ApiError(
      'invalid-input',
      `The ${label} ${value} is outside the folder this server may use (${access.root}); put the file there or start the server with --files-root (or ${FILES_ROOT_ENV}) naming the folder that holds it.`,
    );
  if (!inside(real, rootReal) || real === rootReal) throw outside();
  // The root may sit inside the data folder (the default); nothing else of the data folder may be named.
  if (inside(real, dataReal) && !inside(rootReal, dataReal)) {
    throw new ApiError('invalid-input', `The ${label} ${value} is inside Concord's own data folder (${dataDir}), which connections may never use; put the file in ${access.root}.`);
  }
  return { stored, real };
}

/** The config's path-kind keys, from its schema (never from the connector's kind). */
export function pathKeys(schema: ConfigSchema): { key: string; label: string }[] {
  return describeConfigFields(schema)
    .filter((f) => f.spec.kind === 'path')
    .map((f) => ({ key: f.spec.key, label: f.spec.label }));
}

/**
 * Every path of a config checked: returns the config to store and the config to open (real paths),
 * or throws an invalid-input error with a problem per field.
 */
export function confineConfig(
  definition: { label: string; configSchema: ConfigSchema },
  config: PathConfig,
  access: FileAccess,
  dataDir: string,
): { stored: PathConfig; open: PathConfig } {
  if (access === 'anywhere') return { stored: config, open: config };
  const stored: PathConfig = { ...config };
  const open: PathConfig = { ...config };
  const issues: ConfigIssue[] = [];
  for (const { key, label } of pathKeys(definition.configSchema)) {
    const value = config[key];
    if (typeof value !== 'string' || value === '') continue;
    try {
      const checked = checkFilePath(value, access, dataDir, lowerLabel(label));
      stored[key] = checked.stored;
      open[key] = checked.real;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      issues.push({ path: `config.${key}`, message: error.message });
    }
  }
  if (issues.length > 0) throw new ApiError('invalid-input', `The ${definition.label} settings need attention: ${issues.map((i) => i.message).join(' ')}`, issues);
  return { stored, open };
}

const lowerLabel = (label: string): string => (/^[A-Z][a-z]/.test(label) ? label.charAt(0).toLowerCase() + label.slice(1) : label);
