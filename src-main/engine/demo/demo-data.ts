/**
 * The demo workspace's two sample apps: a shop's customer table (SQLite) and a CRM's contact
 * export (CSV, semicolon-separated), holding mostly the same people: a duplicate contact, people
 * on one side only, and emails that differ only in case and spaces (the matcher normalizes them).
 * After the first sync, `writeDemoEdits` plays a day of work in both apps: edits on both sides of
 * the same fields (conflicts for the inbox, with a real last synced value), an edit against a
 * delete, credits added on both sides (merged), and a plain edit that just syncs.
 * Deterministic: the same seed gives the same files.
 */
import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { seededRandom } from '../core/seeded-random';

const FIRST = ['Ada', 'Grace', 'Alan', 'Katherine', 'Linus', 'Margaret', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim', 'Hedy', 'John', 'Sophie', 'Dennis', 'Anita', 'Niklaus', 'Joan'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Johnson', 'Torvalds', 'Hamilton', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Perlman', 'Berners-Lee', 'Lamarr', 'McCarthy', 'Wilson', 'Ritchie', 'Borg', 'Wirth', 'Clarke'];
const PLANS = ['free', 'pro', 'business'] as const;
const TIER: Record<(typeof PLANS)[number], string> = { free: 'Free', pro: 'Pro', business: 'Business' };

export type DemoPerson = { email: string; first: string; last: string; phone: string; plan: (typeof PLANS)[number]; credits: number };
export type DemoCounts = { shop: number; crm: number; both: number; conflicts: number; duplicates: number };


function demoPeople(seed: number): DemoPerson[] {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const people: DemoPerson[] = [];
  for (let i = 0; i < 300; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    people.push({
      email: `${first}.${last}.${i}@example.com`.toLowerCase(),
      first,
      last,
      phone: `+1 555 ${String(1000 + i).padStart(4, '0')}`,
      plan: pick(PLANS),
      credits: Math.floor(rnd() * 50) * 10,
    });
  }
  return people;
}

/** People edited on both sides after the first sync: phone and plan differ (field conflicts). */
const CONFLICT_IDX = [60, 71, 82, 93, 104, 115, 126, 137];
/** Edited in the shop, deleted in the CRM: an update-vs-delete conflict. */
const EDIT_VS_DELETE_IDX = 201;
/** Renamed in the CRM only: the new full name reaches the shop as first and last name. */
const RENAMED_IDX = 212;
const DUPLICATE_IDX = 150;
const nextPlan = (plan: DemoPerson['plan'], by: number) => PLANS[(PLANS.indexOf(plan) + by) % 3]!;

export function writeDemoApps(shopPath: string, crmPath: string, seed = 7): DemoCounts {
  const people = demoPeople(seed);
  // 0–29 only in the shop, 30–59 only in the CRM, the rest in both.
  const shopPeople = people.filter((_, i) => i < 30 || i >= 60);
  const crmPeople = people.filter((_, i) => i >= 30);

  const db = new Database(shopPath);
  try {
    db.exec(`CREATE TABLE customers (
      id INTEGER PRIMARY KEY, email TEXT NOT NULL, first_name TEXT, last_name TEXT,
      phone TEXT, plan TEXT, credits INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL)`);
    const insert = db.prepare('INSERT INTO customers (email, first_name, last_name, phone, plan, credits, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      shopPeople.forEach((p) => insert.run(p.email, p.first, p.last, p.phone, p.plan, p.credits, '2026-11-01T09:00:00.000Z'));
    })();
  } finally {
    db.close();
  }

  const esc = (v: string) => (/[;"\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = ['Contact ID;Email;Name;Phone;Tier;Credits'];
  crmPeople.forEach((p, n) => {
    const i = people.indexOf(p);
    // Same person, differently typed email: the matcher normalizes case and spaces.
    const email = i % 25 === 0 ? ` ${p.email.toUpperCase()} ` : p.email;
    lines.push([`C-${1000 + n}`, email, `${p.first} ${p.last}`, p.phone, TIER[p.plan], String(p.credits)].map(esc).join(';'));
  });
  // A duplicate contact in the CRM: two rows with one shop customer's email → a duplicate conflict.
  const dup = people[DUPLICATE_IDX]!;
  lines.push([`C-${1000 + crmPeople.length}`, dup.email, `${dup.first} ${dup.last} (old)`, dup.phone, TIER[dup.plan], String(dup.credits)].map(esc).join(';'));
  writeFileSync(crmPath, lines.join('\r\n') + '\r\n', 'utf8');

  return { shop: shopPeople.length, crm: crmPeople.length + 1, both: 240, conflicts: CONFLICT_IDX.length, duplicates: 1 };
}

/**
 * A day of work in both apps after the first sync, as each app would make it: the shop updates
 * rows and stamps updated_at; the CRM's export changes in place, keeping its format. Throws if a
 * planted person is missing (the first sync did not run as the demo expects).
 */
export function writeDemoEdits(shopPath: string, crmPath: string, seed = 7): void {
  const people = demoPeople(seed);
  const now = new Date().toISOString();
  const db = new Database(shopPath);
  try {
    const update = db.prepare('UPDATE customers SET phone = ?, plan = ?, credits = credits + ?, updated_at = ? WHERE email = ?');
    db.transaction(() => {
      for (const i of CONFLICT_IDX) {
        const p = people[i]!;
        if (update.run(p.phone.replace('+1 555', '+1 557'), nextPlan(p.plan, 2), 20, now, p.email).changes !== 1) throw new Error(`demo: shop customer ${p.email} is missing`);
      }
      const p = people[EDIT_VS_DELETE_IDX]!;
      if (update.run(p.phone.replace('+1 555', '+1 558'), p.plan, 0, now, p.email).changes !== 1) throw new Error(`demo: shop customer ${p.email} is missing`);
    })();
  } finally {
    db.close();
  }

  const text = readFileSync(crmPath, 'utf8');
  const [header = '', ...rows] = text.split('\r\n');
  const cols = header.split(';');
  const at = (name: string): number => {
    const index = cols.indexOf(name);
    if (index < 0) throw new Error(`demo: the CRM export has no ${name} column`);
    return index;
  };
  const [email, name, phone, tier, credits] = [at('Email'), at('Name'), at('Phone'), at('Tier'), at('Credits')];
  const byEmail = new Map(people.map((p, i) => [p.email, i]));
  const seen = new Set<number>();
  const edited = rows.flatMap((row) => {
    const cells = row.split(';');
    const i = byEmail.get((cells[email] ?? '').trim().toLowerCase());
    // The duplicate's second row stays as it is; only the first row of each person is edited.
    if (i === undefined || row === '' || seen.has(i)) return [row];
    seen.add(i);
    const p = people[i]!;
    if (i === EDIT_VS_DELETE_IDX) return [];
    if (i === RENAMED_IDX) cells[name] = `${p.first} ${p.last}-Smith`;
    if (CONFLICT_IDX.includes(i)) {
      cells[phone] = p.phone.replace('+1 555', '+1 556');
      cells[tier] = TIER[nextPlan(p.plan, 1)];
      cells[credits] = String(Number(cells[credits]) + 5);
    }
    return [cells.join(';')];
  });
  for (const i of [...CONFLICT_IDX, EDIT_VS_DELETE_IDX, RENAMED_IDX]) if (!seen.has(i)) throw new Error(`demo: CRM contact ${people[i]!.email} is missing`);
  writeFileSync(crmPath, [header, ...edited].join('\r\n'), 'utf8');
}
