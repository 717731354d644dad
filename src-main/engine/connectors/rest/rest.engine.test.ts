/**
 * The REST connector in a real pair (the engine, its store and journal): a SQLite app on the left,
 * the SaaS stand-in on the right, the API key through the credential store.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeDetection } from '../../api/model';
import { appInsert, appRows, appUpdate, basePairConfig, createApp, removeDir, startEngine, syncAndWait, tempDir, type Kit } from '../../sync/test-kit.fixture';
import { startSaasStandin, type SaasStandin, type SaasStandinOptions } from '../../testing/saas-standin/server';
import { STANDIN_API_KEY, standinProfile, type StandinProfileTweak } from '../../testing/saas-standin/profile-fixture';

let kit: Kit | null = null;
let standin: SaasStandin | null = null;
let dir = '';
afterEach(async () => {
  await kit?.close();
  await standin?.stop();
  removeDir(dir);
});

async function restPair(options: SaasStandinOptions, tweak: StandinProfileTweak, mode: ChangeDetection) {
  dir = tempDir('concord-rest-engine-');
  const left = join(dir, 'left.sqlite');
  createApp(left);
  standin = await startSaasStandin({ auth: { kind: 'api-key', in: 'header', name: 'X-Api-Key', key: STANDIN_API_KEY }, ...options });
  kit = startEngine(dir, join(dir, 'data'));
  const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
  const r = await kit.call('connections/create', { name: 'Web app', connector: 'rest', config: { profile: JSON.stringify(standinProfile(standin.url, tweak)) }, secret: STANDIN_API_KEY });
  const config = basePairConfig(l.id, r.id, {
    right: { connectionId: r.id, collection: 'contacts', changeDetection: mode },
    fields: [
      { name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['email'] }, direction: 'both' },
      { name: 'name', type: 'string', left: { fields: ['name'] }, right: { fields: ['name'] }, direction: 'both' },
    ],
  });
  const pair = await kit.call('pairs/create', { config });
  return { left, standin, kit, pairId: pair.id };
}

describe('REST connector in a pair', () => {
  it.each(['hash', 'cursor'] as const)('lists that lag writes (stated in the profile, %s mode): the next run neither deletes what Concord just created nor creates it twice (PITFALLS 4)', async (mode) => {
    const s = await restPair({ etags: true, listLagCalls: 5 }, { contacts: { quirks: { listLagSeconds: 120 } } }, mode);
    appInsert(s.left, { email: 'ann@x', name: 'Ann', score: 1 });
    appInsert(s.left, { email: 'bob@x', name: 'Bob', score: 2 });
    expect((await syncAndWait(s.kit, s.pairId)).counts).toMatchObject({ created: 2, deleted: 0 });
    // The app's lists do not show the two new contacts yet.
    const again = await syncAndWait(s.kit, s.pairId);
    expect(again).toMatchObject({ status: 'succeeded', counts: { created: 0, deleted: 0, updated: 0 } });
    expect(appRows(s.left)).toHaveLength(2);
  });

  it('edits on both sides converge through the REST side (cursor mode, ETags)', async () => {
    const s = await restPair({ etags: true }, {}, 'cursor');
    const ann = appInsert(s.left, { email: 'ann@x', name: 'Ann', score: 1 });
    appInsert(s.left, { email: 'bob@x', name: 'Bob', score: 2 });
    await syncAndWait(s.kit, s.pairId);
    s.standin.app.update(findId(s.standin, 'bob@x'), { name: 'Robert' }, new Date(Date.now() + 1000).toISOString());
    appUpdate(s.left, ann, { name: 'Annie' });
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run).toMatchObject({ status: 'succeeded', counts: { updated: 2, conflicts: 0 } });
    expect(appRows(s.left).map((r) => r.name).sort()).toEqual(['Annie', 'Robert']);
    expect(s.standin.app.get(findId(s.standin, 'ann@x'))?.name).toBe('Annie');
    const quiet = await syncAndWait(s.kit, s.pairId);
    expect(quiet.counts.created + quiet.counts.updated + quiet.counts.deleted).toBe(0);
  });
});

/** The stand-in's id of the contact with this email (Concord created it; the app chose the id). */
function findId(standin: SaasStandin, email: string): string {
  const id = standin.app.ids().find((x) => standin.app.get(x)?.email === email);
  if (!id) throw new Error(`no contact with email ${email}`);
  return id;
}
