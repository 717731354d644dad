import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../errors';
import { myConnection } from './config';
import { createMyDialect } from './dialect';
import { APP_PASSWORD, APP_USER, useMy } from './mysql.fixture';

// A server with TLS on, its certificate self-signed for localhost and 127.0.0.1.
const { available, my } = useMy({ tls: true });

describe.runIf(available)('mysql connector: TLS', () => {
  it('require encrypts without checking the certificate; verify-full checks it against the CA file, and says what to do when it cannot', async () => {
    const db = await my.database();
    const s = my.server();
    const ca = s.certFile ?? '';
    await expect(my.connector(db, { tls: 'require' }).test()).rejects.toThrow(/no table with a primary key/);
    await expect(my.connector(db, { tls: 'verify-full', caFile: ca }).test()).rejects.toThrow(/no table with a primary key/);
    // The session is encrypted.
    const d = createMyDialect(myConnection({ host: s.host, port: s.port, database: db, user: APP_USER, tls: 'verify-full', caFile: ca }), async () => APP_PASSWORD);
    try {
      const { rows } = await d.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'", []);
      expect(String(rows[0]?.Value)).not.toBe('');
    } finally {
      await d.close();
    }

    // Without the CA that signed it, the certificate cannot be verified.
    const error = await my
      .connector(db, { tls: 'verify-full' })
      .test()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).message).toMatch(/certificate of MySQL at 127\.0\.0\.1:\d+ could not be verified .* give the CA file that signed it/);
  });

  it('a user that must log in over TLS, connecting without it, is told to turn TLS on', async () => {
    const db = await my.database();
    await my.sql(db, 'CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ? REQUIRE SSL', ['tls_only', '127.0.0.1', 'pw']);
    await my.sql(db, `GRANT ALL PRIVILEGES ON ${db}.* TO ?@?`, ['tls_only', '127.0.0.1']);
    const error = await my
      .connector(db, { user: 'tls_only' }, 'pw')
      .test()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'auth', message: expect.stringMatching(/set TLS to "require"/) });
    await expect(my.connector(db, { user: 'tls_only', tls: 'require' }, 'pw').test()).rejects.toThrow(/no table with a primary key/);
  });
});
