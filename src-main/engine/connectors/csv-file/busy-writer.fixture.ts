/**
 * TEST FIXTURE (not shipped code): another program writing a CSV file while Concord syncs it, in
 * its own process. It appends rows (`<prefix><n>,<prefix><n>@example.com,W <n>,<n>`) every
 * `paceMs`, and every `editEvery`-th row it edits one of its earlier rows in place (the name's
 * "W" becomes "X", same length) through one open descriptor, as an app that updates its file in
 * place does. Like a careful app, it appends a row again when the file it wrote it into was no
 * longer the one the path names (replaced after it opened it): no program that replaces a file
 * by rename — Concord, or any editor — can save a write made through a descriptor older than the
 * replacement and after its last check. `stop()` ends it and says what it wrote.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const SCRIPT = `
const fs = require('node:fs');
const [path, prefix, stopFile, paceMs, editEvery] = process.argv.slice(2);
const pause = new Int32Array(new SharedArrayBuffer(4));
const edited = [];
let n = 0;
// True when the edit was made in the file the path names (else it went into a file already
// replaced, and whether it survives is not the app's to know: it is not counted).
function editInPlace(id) {
  const fd = fs.openSync(path, 'r+');
  try {
    const text = fs.readFileSync(fd).toString('latin1');
    const at = text.indexOf('\\n' + id + ',');
    if (at < 0) return false;
    const w = text.indexOf(',W ', at + 1);
    if (w < 0 || w > text.indexOf('\\n', at + 1)) return false;
    fs.writeSync(fd, 'X', w + 1);
    return fs.fstatSync(fd).ino === fs.statSync(path).ino;
  } finally {
    fs.closeSync(fd);
  }
}
while (!fs.existsSync(stopFile)) {
  const id = prefix + n;
  const line = id + ',' + id + '@example.com,W ' + n + ',' + n + '\\n';
  const fd = fs.openSync(path, 'a');
  try {
    fs.writeSync(fd, line);
    // Opened just before the file was replaced, the line went into the old file: add it again.
    if (fs.fstatSync(fd).ino !== fs.statSync(path).ino) fs.appendFileSync(path, line);
  } finally {
    fs.closeSync(fd);
  }
  n++;
  if (Number(editEvery) > 0 && n % Number(editEvery) === 0) {
    const k = Math.floor(Math.random() * (n - 1));
    if (!edited.includes(prefix + k) && editInPlace(prefix + k)) edited.push(prefix + k);
  }
  if (Number(paceMs) > 0) Atomics.wait(pause, 0, 0, Number(paceMs));
}
process.stdout.write(JSON.stringify({ appended: n, edited }));
`;

export type BusyWriter = { stop(): Promise<{ appended: string[]; edited: string[] }> };

export function startBusyWriter(path: string, opts: { prefix: string; paceMs: number; editEvery: number }): BusyWriter {
  const dir = dirname(path);
  const script = join(dir, `busy-writer-${opts.prefix}.cjs`);
  const stopFile = join(dir, `busy-writer-${opts.prefix}.stop`);
  writeFileSync(script, SCRIPT);
  const child = spawn(process.execPath, [script, path, opts.prefix, stopFile, String(opts.paceMs), String(opts.editEvery)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += String(c)));
  child.stderr.on('data', (c) => (err += String(c)));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  return {
    async stop() {
      if (!existsSync(stopFile)) writeFileSync(stopFile, '');
      const code = await exited;
      if (code !== 0) throw new Error(`the busy writer failed (${code}): ${err}`);
      const { appended, edited } = JSON.parse(out) as { appended: number; edited: string[] };
      return { appended: Array.from({ length: appended }, (_, i) => `${opts.prefix}${i}`), edited };
    },
  };
}
