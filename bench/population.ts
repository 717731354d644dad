/**
 * The bench's apps: the population bench/run.ts has always used, the edits the incremental runs
 * make, and a check that two apps agree. Both the Concord child and the raw child call these on
 * their own copies, so both see the same rows and the same edits.
 *
 * Population of U = N + ⌊N/3⌋ people for N records per side: people [0, q) only on the left,
 * [q, N) on both (same email), [N, N + q) only on the right, q = ⌊N/3⌋. One in ten shared people
 * has another phone on the right.
 */
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createContactsApp, people } from '../src-main/engine/testing/sqlite-apps';
import type { Mode } from './config';
import { seeded } from './rerun-after-crash';

export const onlyOneSide = (perSide: number) => Math.floor(perSide / 3);

export const population = (perSide: number) => () => {
  const q = onlyOneSide(perSide);
  return {
    left: people(0, perSide),
    right: people(q, q + perSide, (p, n) => (n < perSide && n % 10 === 0 ? { ...p, phone: `right ${n}` } : p)),
  };
};

export const appFiles = (dir: string) => ({ left: join(dir, 'left.sqlite'), right: join(dir, 'right.sqlite') });

/**
 * Seeds both apps into `dir`. Flag mode adds the `needs_sync` column the SQLite connector finds
 * by name, set on every seeded row (the app has never synced them).
 */
export function seedApps(dir: string, perSide: number, mode: Mode): void {
  mkdirSync(dir, { recursive: true });
  const files = appFiles(dir);
  for (const path of [files.left, files.right]) {
    createContactsApp(path);
    if (mode === 'flag') {
      const db = new Database(path);
      db.exec('ALTER TABLE contacts ADD COLUMN needs_sync INTEGER NOT NULL DEFAULT 1');
      db.close();
    }
  }
  seeded(population(perSide))(files.left, files.right);
}

export function copyApps(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  const a = appFiles(from);
  const b = appFiles(to);
  copyFileSync(a.left, b.left);
  copyFileSync(a.right, b.right);
}

export type IncrementalKind = 'inc1' | 'inc01';

/**
 * The edits of one incremental run: `count` on each side, `conflicts` of them the same shared
 * person's phone edited on both sides. The 0.1 % run edits people after the 1 % run's, so no
 * record is edited in both.
 */
export type EditPlan = {
  count: number;
  conflicts: number;
  /** People whose phone the left app changes (email → new phone). */
  leftPhones: [string, string][];
  /** People whose phone the right app changes: the conflicts. */
  rightPhones: [string, string][];
  /** People whose credits the right app raises by 1000. */
  rightCredits: string[];
};

const email = (n: number) => `person${n}@example.com`;

export function editPlan(perSide: number, kind: IncrementalKind): EditPlan {
  const q = onlyOneSide(perSide);
  const union = perSide + q;
  const editsOf = (fraction: number) => Math.max(1, Math.floor(perSide * fraction));
  const count = editsOf(kind === 'inc1' ? 0.01 : 0.001);
  const conflicts = Math.floor(count / 10);
  const offset = kind === 'inc1' ? 0 : editsOf(0.01);
  const tag = kind === 'inc1' ? '1' : '01';
  const leftPhones: [string, string][] = [];
  const rightPhones: [string, string][] = [];
  const rightCredits: string[] = [];
  // Left only edits: the start of the union (left-only people, then shared ones at small N).
  for (let n = offset; n < offset + count - conflicts; n++) leftPhones.push([email(n), `left edit ${tag} ${n}`]);
  // Conflicts: shared people, both apps changing the phone to different values.
  for (let n = q + offset; n < q + offset + conflicts; n++) {
    leftPhones.push([email(n), `left edit ${tag} ${n}`]);
    rightPhones.push([email(n), `right edit ${tag} ${n}`]);
  }
  // Right only edits: the end of the union (right-only people).
  for (let n = union - offset - (count - conflicts); n < union - offset; n++) rightCredits.push(email(n));
  return { count, conflicts, leftPhones, rightPhones, rightCredits };
}

export const editLabel = (kind: IncrementalKind, plan: Pick<EditPlan, 'count' | 'conflicts'>) =>
  `incremental ${kind === 'inc1' ? '1' : '0.1'} % (${plan.count}+${plan.count} edits, ${plan.conflicts} in conflict)`;

/**
 * An app's own edits: new phones and raised credits, each bumping `updated_at` with the app's
 * clock (and setting the sync flag in flag mode). Joined through a temp table, so 10,000 edits
 * cost one scan of the table, not one each.
 */
function editApp(path: string, phones: [string, string][], credits: string[], mode: Mode): void {
  const db = new Database(path);
  try {
    const stamp = `updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')${mode === 'flag' ? ', needs_sync = 1' : ''}`;
    db.exec('CREATE TEMP TABLE phone_edits (email TEXT PRIMARY KEY, phone TEXT); CREATE TEMP TABLE credit_edits (email TEXT PRIMARY KEY)');
    db.transaction(() => {
      const p = db.prepare('INSERT INTO temp.phone_edits VALUES (?, ?)');
      for (const [e, phone] of phones) p.run(e, phone);
      const c = db.prepare('INSERT INTO temp.credit_edits VALUES (?)');
      for (const e of credits) c.run(e);
      db.exec(`UPDATE contacts SET phone = (SELECT phone FROM temp.phone_edits e WHERE e.email = contacts.email), ${stamp} WHERE email IN (SELECT email FROM temp.phone_edits)`);
      db.exec(`UPDATE contacts SET credits = credits + 1000, ${stamp} WHERE email IN (SELECT email FROM temp.credit_edits)`);
    })();
  } finally {
    db.close();
  }
}

export function applyEdits(dir: string, perSide: number, kind: IncrementalKind, mode: Mode): EditPlan {
  const plan = editPlan(perSide, kind);
  const files = appFiles(dir);
  editApp(files.left, plan.leftPhones, [], mode);
  editApp(files.right, plan.rightPhones, plan.rightCredits, mode);
  return plan;
}

/**
 * Whether both apps hold the same people with the same mapped values (emails compared lower-cased
 * and trimmed, as the pair maps them), computed in SQLite so a million rows need no JS heap.
 */
export function compareApps(dir: string): { left: number; right: number; differing: number } {
  const files = appFiles(dir);
  const db = new Database(files.left, { readonly: true });
  try {
    db.prepare('ATTACH ? AS r').run(files.right);
    const cols = (schema: string) => `SELECT lower(trim(email)), first_name, last_name, phone, credits FROM ${schema}.contacts WHERE email IS NOT NULL`;
    const n = (sql: string) => Number(db.prepare(sql).pluck().get());
    return {
      left: n('SELECT count(*) FROM main.contacts'),
      right: n('SELECT count(*) FROM r.contacts'),
      differing: n(`SELECT count(*) FROM (${cols('main')} EXCEPT ${cols('r')})`) + n(`SELECT count(*) FROM (${cols('r')} EXCEPT ${cols('main')})`),
    };
  } finally {
    db.close();
  }
}
