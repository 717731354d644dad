#!/usr/bin/env node
// Runs electronegativity (Electron security scanner) over the app's sources, offline, and fails on
// any finding above INFORMATIONAL that security/electronegativity-justified.json does not justify,
// and on a justification that no longer matches a finding (so the file cannot go stale).
// The scanner is given the Electron version from package.json (-e): without it, it would try to
// download Electron's release list. It still tries to fetch translations and prints that it
// could not: harmless. Tests and fixtures are left out (the MOCK electron module is no app code).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const electron = String(pkg.devDependencies?.electron ?? '').replace(/^[^\d]*/, '');
const { justified } = JSON.parse(readFileSync(join(root, 'security', 'electronegativity-justified.json'), 'utf8'));

const work = mkdtempSync(join(tmpdir(), 'concord-electronegativity-'));
try {
  const skip = (src) => !/\.(test|fixture)\.tsx?$|mock-electron|[\\/]testing[\\/]/.test(src);
  for (const dir of ['src-main', 'src-preload', 'src-renderer']) cpSync(join(root, dir), join(work, 'app', dir), { recursive: true, filter: skip });
  cpSync(join(root, 'package.json'), join(work, 'app', 'package.json'));
  const bin = join(root, 'node_modules', '.bin', 'electronegativity');
  // The scanner's CSV was once seen garbled (a row cut short) in a run beside another scan: it is
  // scanned again, up to three times, before the report counts as unreadable.
  let rows = null;
  let problem = '';
  for (let attempt = 1; attempt <= 3 && rows === null; attempt++) {
    const out = join(work, `findings-${attempt}.csv`);
    const r = spawnSync(bin, ['-i', join(work, 'app'), '-o', out, '-e', electron, '-r', '-v', 'false'], { encoding: 'utf8' });
    try {
      rows = parse(readFileSync(out, 'utf8'), { columns: true, trim: true, skip_empty_lines: true });
    } catch (error) {
      problem = `electronegativity exited ${r.status}; its report could not be read (${error.message}).\n${r.stdout}\n${r.stderr}`;
    }
  }
  if (rows === null) {
    console.error(problem);
    process.exit(1);
  }
  const findings = rows.map((f) => ({ check: f.issue, severity: f.severity, confidence: f.confidence, file: f.filename, location: f.location, sample: f.sample }));
  const matches = (j, f) => j.check === f.check && j.file === f.file && j.sample === f.sample;
  const serious = findings.filter((f) => f.severity !== 'INFORMATIONAL');
  const unjustified = serious.filter((f) => !justified.some((j) => matches(j, f)));
  const stale = justified.filter((j) => !findings.some((f) => matches(j, f)));
  console.log(`electronegativity (Electron ${electron}): ${findings.length} findings, ${serious.length} above INFORMATIONAL, ${serious.length - unjustified.length} of them justified in security/electronegativity-justified.json.`);
  for (const f of unjustified) console.error(`NOT JUSTIFIED: ${f.check} ${f.severity}/${f.confidence} ${f.file}:${f.location} ${f.sample}`);
  for (const j of stale) console.error(`STALE JUSTIFICATION (no such finding any more; remove it): ${j.check} ${j.file} ${j.sample}`);
  if (unjustified.length > 0 || stale.length > 0) process.exit(1);
} finally {
  rmSync(work, { recursive: true, force: true });
}
