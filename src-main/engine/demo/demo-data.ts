/**
 * The demo workspace's two sample apps: a shop's customer table (SQLite) and a CRM's contact
 * export (CSV, semicolon-separated), holding mostly the same people, with planted differences:
 * edits on both sides (conflicts for the inbox), a duplicate contact, people on one side only,
 * and emails that differ only in case and spaces (the matcher normalizes them).
 * Deterministic: the same seed gives the same files.
 */
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';

const FIRST = ['Ada', 'Grace', 'Alan', 'Katherine', 'Linus', 'Margaret', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim', 'Hedy', 'John', 'Sophie', 'Dennis', 'Anita', 'Niklaus', 'Joan'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Johnson', 'Torvalds', 'Hamilton', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Perlman', 'Berners-Lee', 'Lamarr', 'McCarthy', 'Wilson', 'Ritchie', 'Borg', 'Wirth', 'Clarke'];
const PLANS = ['free', 'pro', 'business'] as const;
const TIER: Record<(typeof PLANS)[number], string> = { free: 'Free', pro: 'Pro', business: 'Business' };

export type DemoPerson = { email: string; first: string; last: string; phone: string; plan: (typeof PLANS)[number]; credits: number };
export type DemoCounts = { shop: number; crm: number; both: number; conflicts: number; duplicates: number };

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function writeDemoApps(shopPath: string, crmPath: string, seed = 7): DemoCounts {
  const rnd = prng(seed);
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
  // 0–29 only in the shop, 30–59 only in the CRM, the rest in both.
  const shopPeople = people.filter((_, i) => i < 30 || i >= 60);
  const crmPeople = people.filter((_, i) => i >= 30);
  const conflictIdx = [60, 71, 82, 93, 104, 115, 126, 137];

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
    const planted = conflictIdx.includes(i);
    // Planted conflicts: the CRM holds another phone and tier than the shop for the same person.
    const phone = planted ? p.phone.replace('+1 555', '+1 556') : p.phone;
    const tier = planted ? TIER[PLANS[(PLANS.indexOf(p.plan) + 1) % 3]!] : TIER[p.plan];
    // Same person, differently typed email: the matcher normalizes case and spaces.
    const email = i % 25 === 0 ? ` ${p.email.toUpperCase()} ` : p.email;
    lines.push([`C-${1000 + n}`, email, `${p.first} ${p.last}`, phone, tier, String(p.credits)].map(esc).join(';'));
  });
  // A duplicate contact in the CRM: two rows with one shop customer's email → a duplicate conflict.
  const dup = people[150]!;
  lines.push([`C-${1000 + crmPeople.length}`, dup.email, `${dup.first} ${dup.last} (old)`, dup.phone, TIER[dup.plan], String(dup.credits)].map(esc).join(';'));
  writeFileSync(crmPath, lines.join('\r\n') + '\r\n', 'utf8');

  return { shop: shopPeople.length, crm: crmPeople.length + 1, both: 240, conflicts: conflictIdx.length, duplicates: 1 };
}
