/**
 * Issue 10 §4 — the test run's database servers are started once per run, not once per test file,
 * and stopped at its end, also when the run is interrupted (shared-servers.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pgTestGate, startPgServer } from './pg-server';
import { sharedServer } from './shared-server-client';
import { serverBroker, type BrokerAnswer } from './shared-servers';

const gate = pgTestGate();

/** Whether something still listens on 127.0.0.1:port. */
const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

describe("the test run's shared servers", () => {
  it('a server that is not installed is answered with the reason, and nothing is started', async () => {
    const broker = serverBroker({ pg: null, mariadb: null });
    const url = await broker.listen();
    const answer = (await (await fetch(`${url}/mariadb`)).json()) as BrokerAnswer;
    expect(answer).toEqual({ ok: false, error: 'MariaDB is not installed' });
    await broker.close();
  });

  it.runIf(gate.available || gate.failInCi)('every test file of this run gets the one PostgreSQL the run started', async () => {
    const [a, b] = await Promise.all([sharedServer('pg'), sharedServer('pg')]);
    expect(a).not.toBeNull();
    expect(b).toEqual(a);
  });

  it.runIf(gate.available || gate.failInCi)('asked for at once, a server starts once; closing the broker stops it and removes its folder', async () => {
    let starts = 0;
    const broker = serverBroker({
      pg: () => {
        starts++;
        return startPgServer();
      },
      mariadb: null,
    });
    const url = await broker.listen();
    const answers = (await Promise.all([1, 2, 3].map(async () => (await fetch(`${url}/pg`)).json()))) as BrokerAnswer[];
    expect(starts).toBe(1);
    const first = answers[0];
    if (!first?.ok) throw new Error(`no server: ${JSON.stringify(first)}`);
    for (const a of answers) expect(a).toEqual(first);
    expect(await listening(first.server.port)).toBe(true);
    await broker.close();
    expect(await listening(first.server.port)).toBe(false);
    expect(existsSync(first.server.dir)).toBe(false);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it.runIf(gate.available || gate.failInCi)(`a run interrupted by ${signal} stops its server and removes its folder`, async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'shared-servers-child.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
        });
        child.once('exit', () => reject(new Error(`the child ended before its server started: ${out}`)));
      });
      const answer = JSON.parse(line) as BrokerAnswer;
      if (!answer.ok) throw new Error(answer.error);
      expect(await listening(answer.server.port)).toBe(true);
      child.kill(signal);
      expect(await exited).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(await listening(answer.server.port)).toBe(false);
      expect(existsSync(answer.server.dir)).toBe(false);
    }, 120_000);
  }
});
