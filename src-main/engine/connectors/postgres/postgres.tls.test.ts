import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConnectorError } from '../errors';
import { APP_USER, usePg } from './postgres.fixture';

// A server with TLS on, its certificate self-signed for localhost and 127.0.0.1.
const { available, pg } = usePg({ tls: true });

describe.runIf(available)('postgres connector: TLS', () => {
  it('require encrypts without checking the certificate; verify-full checks it against the CA file, and says what to do when it cannot', async () => {
    const db = await pg.database();
    const ca = pg.server().certFile ?? '';
    await expect(pg.connector(db, { tls: 'require' }).test()).rejects.toThrow(/no table with a primary key/);
    await expect(pg.connector(db, { tls: 'verify-full', caFile: ca }).test()).rejects.toThrow(/no table with a primary key/);
    const [row] = await pg.server().sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE ssl AND usename = '${APP_USER}'`);
    expect(row?.n).toBeGreaterThan(0);

    // Without the CA that signed it, the certificate cannot be verified.
    const error = await pg
      .connector(db, { tls: 'verify-full' })
      .test()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).message).toMatch(/certificate of PostgreSQL at 127\.0\.0\.1:\d+ could not be verified .* give the CA file that signed it/);

    // Another CA entirely.
    const other = join(pg.server().dir, 'other-ca.pem');
    writeFileSync(other, '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZ3Yf\n-----END CERTIFICATE-----\n');
    await expect(pg.connector(db, { tls: 'verify-full', caFile: other }).test()).rejects.toBeInstanceOf(ConnectorError);
  });
});
