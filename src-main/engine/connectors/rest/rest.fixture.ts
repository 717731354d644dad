/**
 * For the REST connector's tests: a SaaS stand-in with the given quirks and a connector on it
 * built from the stand-in's profile (tweaked), closed together.
 */
import { afterEach } from 'vitest';
import { memorySecretHandle } from '../../credentials/secret-handle';
import { startSaasStandin, type SaasStandin, type SaasStandinOptions } from '../../testing/saas-standin/server';
import { STANDIN_API_KEY, standinProfile, type StandinProfileTweak } from '../../testing/saas-standin/profile-fixture';
import { collect } from '../conformance';
import type { ChangeDetection } from '../../api/model';
import type { Connector, Cursor } from '../types';
import { createRestConnector } from './connector';
import { parseProfile } from './profile';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0)) await x.close();
});

export type Rig = { standin: SaasStandin; connector: Connector; scan(mode?: ChangeDetection, cursor?: Cursor | null, batchSize?: number): ReturnType<typeof collect>; reopen(): Connector };

export async function rig(options: SaasStandinOptions = {}, tweak: StandinProfileTweak = {}, extra: { key?: string; maxWaitMs?: number; /** Added to the stand-in's URL for the profile's base URL. */ baseUrlSuffix?: string } = {}): Promise<Rig> {
  const standin = await startSaasStandin({ auth: { kind: 'api-key', in: 'header', name: 'X-Api-Key', key: STANDIN_API_KEY }, ...options });
  const make = () =>
    createRestConnector({ profile: parseProfile(standinProfile(standin.url + (extra.baseUrlSuffix ?? ''), tweak)), secret: memorySecretHandle(extra.key ?? STANDIN_API_KEY), ...(extra.maxWaitMs !== undefined ? { maxWaitMs: extra.maxWaitMs } : {}) });
  const connector = make();
  open.push({ close: () => standin.stop() });
  return { standin, connector, scan: (mode = 'hash', cursor = null, batchSize = 100) => collect(connector, 'contacts', cursor, mode, batchSize), reopen: make };
}

export const people = (n: number, prefix = 'p') => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${String(i + 1).padStart(3, '0')}`, name: `Person ${i + 1}`, email: `p${i + 1}@example.com` }));
