import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { existsSync } from 'node:fs';
import { pgTestGate, startPgServer, type PgServer } from './pg-server';

const gate = pgTestGate();

describe.runIf(gate.failInCi)('PostgreSQL test server', () => {
  it('is installed (CI needs it)', () => {
    throw new Error(gate.missingMessage);
  });
});

describe.runIf(gate.available)('PostgreSQL test server', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPgServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs on 127.0.0.1 on its own port, trusts the superuser and asks other roles for their password', async () => {
    expect((await server.sql<{ v: string }>('SELECT current_setting($1) AS v', ['listen_addresses']))[0]?.v).toBe('127.0.0.1');
    await server.createUserAndDb('app', 's3cret', 'appdb');
    const good = new pg.Client({ host: server.host, port: server.port, user: 'app', password: 's3cret', database: 'appdb' });
    await good.connect();
    expect((await good.query('SELECT current_user AS u')).rows[0]).toEqual({ u: 'app' });
    await good.end();
    const bad = new pg.Client({ host: server.host, port: server.port, user: 'app', password: 'wrong', database: 'appdb' });
    await expect(bad.connect()).rejects.toMatchObject({ code: '28P01' });
  });

  it('a second server at the same time has its own port and folder; stop() removes the folder', async () => {
    const other = await startPgServer();
    expect(other.port).not.toBe(server.port);
    expect(other.dir).not.toBe(server.dir);
    expect((await other.sql<{ one: number }>('SELECT 1 AS one'))[0]?.one).toBe(1);
    await other.stop();
    expect(existsSync(other.dir)).toBe(false);
  });
});
