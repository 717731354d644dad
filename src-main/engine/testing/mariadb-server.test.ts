import { existsSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mariaDbTestGate, startMariaDbServer, type MariaDbServer } from './mariadb-server';

const gate = mariaDbTestGate();

describe.runIf(gate.failInCi)('MariaDB test server', () => {
  it('is installed (CI needs it)', () => {
    throw new Error(gate.missingMessage);
  });
});

describe.runIf(gate.available)('MariaDB test server', () => {
  let server: MariaDbServer;
  beforeAll(async () => {
    server = await startMariaDbServer();
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
  }, 120_000);

  it('runs on 127.0.0.1 on its own port; an app user logs in with its password and keeps a 4-byte emoji (utf8mb4)', async () => {
    expect(server.port).not.toBe(3306);
    expect((await server.sql<{ v: string }>('SELECT @@bind_address AS v'))[0]?.v).toBe('127.0.0.1');
    await server.createUserAndDb('app', 's3cret', 'appdb');

    const app = await mysql.createConnection({ host: server.host, port: server.port, user: 'app', password: 's3cret', database: 'appdb', charset: 'utf8mb4' });
    try {
      await app.query('CREATE TABLE contacts (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(100) NOT NULL) DEFAULT CHARSET = utf8mb4');
      await app.query('INSERT INTO contacts (name) VALUES (?)', ['Zoë 😀 𝄞']);
      const [rows] = await app.query('SELECT id, name FROM contacts');
      expect(rows).toEqual([{ id: 1, name: 'Zoë 😀 𝄞' }]);
    } finally {
      await app.end();
    }
    // The app's row is what the server holds (read back as root, over the socket).
    expect(await server.sql('SELECT name, CHAR_LENGTH(name) AS chars FROM contacts', [], 'appdb')).toEqual([{ name: 'Zoë 😀 𝄞', chars: 7 }]);
    await expect(mysql.createConnection({ host: server.host, port: server.port, user: 'app', password: 'wrong', database: 'appdb' })).rejects.toMatchObject({ code: 'ER_ACCESS_DENIED_ERROR' });
  });

  it('a second server at the same time has its own port and folder; stop() removes the folder', async () => {
    const other = await startMariaDbServer();
    try {
      expect(other.port).not.toBe(server.port);
      expect(other.dir).not.toBe(server.dir);
      expect(await other.sql('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await other.stop();
    }
    expect(existsSync(other.dir)).toBe(false);
  }, 180_000);
});
