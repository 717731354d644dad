/**
 * `npm run bench:vcard`: the peer benchmark of issue 11. 10,000 contacts synced two ways between
 * two folders of vCard files (5,000 start in each), by vdirsyncer (its `filesystem` storage) and by
 * Concord's vCard-folder connector, each run from the command line as a whole process on its own
 * copy of the same folders. Three cases: the initial sync, 1 % changed on each side, nothing
 * changed. Wall time and peak RSS come from /usr/bin/time -v around each process. Each case's
 * result is checked (both folders hold every contact, the edits arrived) before its figures count.
 * Prints the BENCHMARKS.md section and replaces it there (between its markers).
 *
 * `CONCORD_BENCH_VCARD_PEER=0` leaves vdirsyncer out (for working on Concord's side: its figures
 * only, BENCHMARKS.md untouched). `CONCORD_BENCH_VCARD_KEEP=1` keeps the folders and prints the
 * command of the last Concord run, to profile it (`node --cpu-prof …`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InMemoryCredentialStoreForTests } from '../src-main/engine/connections/in-memory-credential-store-for-tests';
import { createEngine } from '../src-main/engine/engine';
import { call } from '../src-main/engine/testing/sqlite-apps';
import type { FieldMapping } from '../src-main/engine/api/model';
import { vcardFieldTypes } from '../src-main/engine/connectors/vcard/fields';

const REPO = resolve(__dirname, '..');
const CLI = join(REPO, 'out', 'main', 'cli.js');
const PER_SIDE = Number(process.env.CONCORD_BENCH_VCARDS ?? 5000);
const CHANGED = Math.max(1, Math.round(PER_SIDE * 2 * 0.01));
const PEER = process.env.CONCORD_BENCH_VCARD_PEER !== '0';
const KEEP = process.env.CONCORD_BENCH_VCARD_KEEP === '1';

type Measure = { seconds: number; peakRssKiB: number };

/** One process under /usr/bin/time -v: its wall time and peak RSS; throws with its output when it fails. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Measure {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const err = r.stderr ?? '';
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${(r.stdout ?? '').slice(-2000)}\n${err.slice(-3000)}`);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(err);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
  if (!wall || !rss) throw new Error(`no figures from /usr/bin/time:\n${err.slice(-2000)}`);
  return { seconds: Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]), peakRssKiB: Number(rss[1]) };
}

/** A realistic vCard 3.0 as address-book apps write them, named by its UID (as vdirsyncer names files). */
function card(i: number, side: string): { uid: string; text: string } {
  const uid = `${side}${String(i).padStart(6, '0')}-5f2c-4d7e-9a1b-bench`;
  const text = [
    'BEGIN:VCARD',
    'VERSION:3.0',
    'PRODID:-//Bench//Contacts 1.0//EN',
    `UID:${uid}`,
    `N:Surname${i};Given${i};;;`,
    `FN:Given${i} Surname${i}`,
    `EMAIL;TYPE=INTERNET,WORK:given${i}.${side}@example.com`,
    `EMAIL;TYPE=INTERNET,HOME:g${i}.${side}@home.example`,
    `TEL;TYPE=CELL:+44 7700 ${String(900000 + i)}`,
    `ORG:Company ${i % 500};Sales`,
    'TITLE:Account manager',
    `ADR;TYPE=WORK:;;${i} High Street;London;;SW1A ${i % 10}AA;United Kingdom`,
    `NOTE:Met at the fair in ${2000 + (i % 24)}\\, follow up.`,
    `CATEGORIES:Customers,Region ${i % 7}`,
    'X-ABShowAs:PERSON',
    'REV:2024-05-01T10:00:00Z',
    'END:VCARD',
    '',
  ].join('\r\n');
  return { uid, text };
}

function seed(a: string, b: string): void {
  mkdirSync(a, { recursive: true });
  mkdirSync(b, { recursive: true });
  for (let i = 0; i < PER_SIDE; i++) {
    const x = card(i, 'a');
    writeFileSync(join(a, `${x.uid}.vcf`), x.text);
    const y = card(i, 'b');
    writeFileSync(join(b, `${y.uid}.vcf`), y.text);
  }
}

/** Edits FN of `ids` in `folder` the way an address book saves a contact: the whole file rewritten. */
function edit(folder: string, ids: string[], mark: string): void {
  for (const id of ids) {
    const path = join(folder, `${id}.vcf`);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/\r\nFN:([^\r\n]*)/, `\r\nFN:$1 ${mark}`));
  }
}

const ids = (folder: string) => readdirSync(folder).filter((n) => n.endsWith('.vcf')).map((n) => n.slice(0, -4)).sort();

/** Both folders hold every contact, and every edit reached both sides; else the figures mean nothing. */
function verify(tool: string, a: string, b: string, edits: { ids: string[]; mark: string }[]): void {
  const ia = ids(a);
  const ib = ids(b);
  if (ia.length !== PER_SIDE * 2 || ib.join() !== ia.join()) throw new Error(`${tool}: the folders differ after the sync (${ia.length} and ${ib.length} contacts)`);
  for (const e of edits) {
    for (const id of e.ids) {
      for (const f of [a, b]) {
        if (!readFileSync(join(f, `${id}.vcf`), 'utf8').includes(e.mark)) throw new Error(`${tool}: the edit "${e.mark}" of ${id} did not reach ${f}`);
      }
    }
  }
}

function vdirsyncerConfig(dir: string, a: string, b: string): string {
  const path = join(dir, 'vdirsyncer.conf');
  writeFileSync(
    path,
    [
      '[general]',
      `status_path = "${join(dir, 'status')}/"`,
      '',
      '[pair contacts]',
      'a = "contacts_a"',
      'b = "contacts_b"',
      'collections = null',
      'conflict_resolution = "a wins"',
      '',
      '[storage contacts_a]',
      'type = "filesystem"',
      `path = "${a}/"`,
      'fileext = ".vcf"',
      '',
      '[storage contacts_b]',
      'type = "filesystem"',
      `path = "${b}/"`,
      'fileext = ".vcf"',
      '',
    ].join('\n'),
  );
  return path;
}

/** Sets up Concord's data folder with two vCard-folder connections and a pair (not timed); returns the pair id. */
async function concordSetup(dataDir: string, a: string, b: string): Promise<string> {
  const engine = createEngine({ dataDir, credentials: new InMemoryCredentialStoreForTests() });
  try {
    const left = await call(engine, 'connections/create', { name: 'Folder A', connector: 'vcard-folder', config: { path: a } });
    const right = await call(engine, 'connections/create', { name: 'Folder B', connector: 'vcard-folder', config: { path: b } });
    const fields: FieldMapping[] = [['id', 'string'] as const, ...Object.entries(vcardFieldTypes)].map(([name, type]) => ({
      name,
      type,
      left: { fields: [name] },
      right: { fields: [name] },
      direction: 'both',
      ...(type === 'set' ? { policy: 'merge-set' as const } : {}),
    }));
    const pair = await call(engine, 'pairs/create', {
      config: {
        name: 'vcards',
        left: { connectionId: left.id, collection: 'a' },
        right: { connectionId: right.id, collection: 'b' },
        fields,
        matchKeys: ['id'],
        masterSide: 'left',
        conflictPolicy: 'master',
        deletes: { propagate: true, massDeleteThreshold: 0.5 },
        schedule: { intervalSeconds: null },
      },
    });
    return pair.id;
  } finally {
    await engine.close();
  }
}

type Row = { scenario: string; vdirsyncer: Measure; concord: Measure };

const fmt = (m: Measure) => `${m.seconds.toFixed(2)} s, ${(m.peakRssKiB / 1024).toFixed(0)} MiB`;

/** What the table's figures stand on: the machine's load, and the RSS of Node doing nothing and of Concord's command line doing nothing. */
type Context = { loadStart: number; loadEnd: number; bareNode: Measure; concordHelp: Measure };

function section(rows: Row[], ctx: Context): string {
  const lines = [
    '<!-- bench:vcard -->',
    '## Peer benchmark: vdirsyncer',
    '',
    `Written by \`npm run bench:vcard\` (bench/vcard.ts). ${PER_SIDE * 2} contacts (vCard 3.0, ${PER_SIDE} starting in each folder) synced two ways between two folders of`,
    `.vcf files: vdirsyncer ${execFileSync('vdirsyncer', ['--version'], { encoding: 'utf8' }).trim().replace(/^vdirsyncer,? ?(version )?/i, '')} (\`filesystem\` storage) and Concord's vCard-folder connector (\`concord sync\`), each`,
    'a whole process from the command line on its own copy of the same folders, timed by /usr/bin/time -v. "1 % changed":',
    `${CHANGED / 2} contacts edited in each folder. Target: Concord at least 5× vdirsyncer's speed in each case, with a smaller peak RSS.`,
    '',
    '| Case | vdirsyncer | Concord | Speed (vdirsyncer ÷ Concord) | Peak RSS (Concord ÷ vdirsyncer) | Target met |',
    '|------|-----------:|--------:|-----------------------------:|--------------------------------:|:----------:|',
  ];
  for (const r of rows) {
    const speed = r.vdirsyncer.seconds / r.concord.seconds;
    const rss = r.concord.peakRssKiB / r.vdirsyncer.peakRssKiB;
    lines.push(`| ${r.scenario} | ${fmt(r.vdirsyncer)} | ${fmt(r.concord)} | ${speed.toFixed(2)}× | ${rss.toFixed(2)} | ${speed >= 5 && rss < 1 ? 'yes' : 'no'} |`);
  }
  lines.push(
    '',
    `Load average (1 min): ${ctx.loadStart.toFixed(1)} at the start, ${ctx.loadEnd.toFixed(1)} at the end (2 cores; above 2, other work shared the CPUs and the disk).`,
    `Peak RSS floor: \`node -e 0\` ${(ctx.bareNode.peakRssKiB / 1024).toFixed(0)} MiB; \`concord help\` (the command line's modules loaded, nothing run) ${(ctx.concordHelp.peakRssKiB / 1024).toFixed(0)} MiB.`,
  );
  lines.push('<!-- /bench:vcard -->');
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing — run \`npx electron-vite build\` first (Concord runs as its built command line, as a user runs it).`);
  const loadStart = loadavg()[0] ?? 0;
  const root = mkdtempSync(join(tmpdir(), 'concord-bench-vcard-'));
  try {
    const vds = { a: join(root, 'vds', 'a'), b: join(root, 'vds', 'b') };
    const files = join(root, 'files');
    const con = { a: join(files, 'a'), b: join(files, 'b') };
    if (PEER) seed(vds.a, vds.b);
    seed(con.a, con.b);
    mkdirSync(join(root, 'vds'), { recursive: true });
    const conf = vdirsyncerConfig(join(root, 'vds'), vds.a, vds.b);
    if (PEER) execFileSync('vdirsyncer', ['-c', conf, 'discover'], { stdio: ['pipe', 'ignore', 'pipe'], input: 'y\ny\n' });
    const dataDir = join(root, 'concord-data');
    const pairId = await concordSetup(dataDir, con.a, con.b);
    const env = { ...process.env, CONCORD_CREDENTIALS: 'file', CONCORD_SECRET_KEY: 'bench-vcard-Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6' };
    const concord = () => timed(process.execPath, [CLI, 'sync', pairId, '--data-dir', dataDir, '--files-root', files], env);
    const none: Measure = { seconds: Number.NaN, peakRssKiB: Number.NaN };
    const vdirsyncer = () => (PEER ? timed('vdirsyncer', ['-c', conf, 'sync']) : none);

    // Kept: the state before the initial sync too, to profile that run again (cp -a it back).
    if (KEEP) {
      mkdirSync(join(root, 'before-initial'));
      execFileSync('cp', ['-a', files, dataDir, join(root, 'before-initial')]);
    }
    const rows: Row[] = [];
    const edits: { ids: string[]; mark: string }[] = [];
    const runCase = (scenario: string) => {
      const v = vdirsyncer();
      if (PEER) verify('vdirsyncer', vds.a, vds.b, edits);
      const c = concord();
      verify('Concord', con.a, con.b, edits);
      const row = { scenario, vdirsyncer: v, concord: c };
      rows.push(row);
      console.log(`${scenario}: vdirsyncer ${fmt(v)}; Concord ${fmt(c)}; speed ${(v.seconds / c.seconds).toFixed(2)}×`);
    };
    runCase(`initial sync (${PER_SIDE} + ${PER_SIDE})`);
    const all = ids(con.a);
    const fromA = { ids: all.filter((_, i) => i % 100 === 0).slice(0, CHANGED / 2), mark: 'edited-in-A' };
    const fromB = { ids: all.filter((_, i) => i % 100 === 50).slice(0, CHANGED / 2), mark: 'edited-in-B' };
    edits.push(fromA, fromB);
    if (PEER) edit(vds.a, fromA.ids, fromA.mark);
    edit(con.a, fromA.ids, fromA.mark);
    if (PEER) edit(vds.b, fromB.ids, fromB.mark);
    edit(con.b, fromB.ids, fromB.mark);
    runCase('1 % changed on each side');
    runCase('nothing changed');

    if (KEEP) {
      console.log(`\nKept ${root}; the last run was:\n${process.execPath} ${CLI} sync ${pairId} --data-dir ${dataDir} --files-root ${files}`);
      console.log(`with CONCORD_CREDENTIALS=file CONCORD_SECRET_KEY=${env.CONCORD_SECRET_KEY}; the folders before the initial sync are in ${join(root, 'before-initial')}`);
    }
    if (!PEER) return;
    const ctx: Context = { loadStart, loadEnd: loadavg()[0] ?? 0, bareNode: timed(process.execPath, ['-e', '0']), concordHelp: timed(process.execPath, [CLI, 'help']) };
    const md = section(rows, ctx);
    console.log(`\n${md}`);
    const bench = join(REPO, 'BENCHMARKS.md');
    const current = readFileSync(bench, 'utf8');
    const marked = /<!-- bench:vcard -->[\s\S]*<!-- \/bench:vcard -->/;
    writeFileSync(bench, marked.test(current) ? current.replace(marked, md) : `${current.trimEnd()}\n\n${md}\n`);
  } finally {
    if (!KEEP) rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
