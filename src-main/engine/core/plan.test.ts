import { describe, expect, it } from 'vitest';
import type { AppRecord } from '../connectors/types';
import { planRun } from './plan';
import { basePairConfig } from '../sync/test-kit.fixture';

const config = basePairConfig('left-conn', 'right-conn');
const rec = (id: string, n: number): AppRecord => ({ id, fields: { email: `person${n}@example.com`, name: `Person ${n}`, score: n % 100 } });
const canon = (n: number) => ({ email: `person${n}@example.com`, name: `Person ${n}`, score: n % 100 });

describe('planRun after an interrupted run (PITFALLS 15)', () => {
  // Correctness only: the scale of this case (thousands of pending creates) is a bench row,
  // "rerun after crash" (bench/rerun-after-crash.ts). A timed unit test could not catch it anyway:
  // planRun is synchronous, and vitest's timeout cannot interrupt a synchronous test.
  it('a rerun with pending creates links the ones the killed run made and creates only the rest', () => {
    const N = 1_000;
    const left = Array.from({ length: N }, (_, n) => rec(`L${n}`, n));
    // The killed run created every even person on the right; the right also has N people of its own.
    const right = [...Array.from({ length: N / 2 }, (_, i) => rec(`R${2 * i}`, 2 * i)), ...Array.from({ length: N }, (_, n) => rec(`own${n}`, N + n))];
    const plan = planRun(
      {
        pairId: 'p',
        config,
        now: Date.now(),
        optimistic: { left: false, right: false },
        linked: [],
        links: [],
        newRecords: { left, right },
        pendingCreates: Array.from({ length: N }, (_, n) => ({ side: 'right' as const, sourceId: `L${n}`, payload: canon(n) })),
      },
      new Map(),
    );
    expect(plan.newLinks).toHaveLength(N / 2);
    expect(plan.newLinks.every((l) => l.rightId === `R${l.leftId.slice(1)}`)).toBe(true);
    const creates = plan.ops.filter((o) => o.op === 'create');
    expect(creates.filter((o) => o.side === 'right').map((o) => o.sourceId)).toEqual(Array.from({ length: N / 2 }, (_, i) => `L${2 * i + 1}`));
    expect(creates.filter((o) => o.side === 'left')).toHaveLength(N);
    expect(plan.ops.filter((o) => o.op !== 'create')).toEqual([]);
    expect(plan.conflicts).toEqual([]);
  });

  it('records of equal content are each linked once, in read order', () => {
    // No match key (no email) and identical content: only the journal tells the creates apart.
    const same = (id: string): AppRecord => ({ id, fields: { email: null, name: 'Same', score: 1 } });
    const payload = { email: null, name: 'Same', score: 1 };
    const plan = planRun(
      {
        pairId: 'p',
        // Records without a key are created by this pair (the default holds them in the inbox).
        config: { ...config, emptyKeys: 'create' },
        now: Date.now(),
        optimistic: { left: false, right: false },
        linked: [],
        links: [],
        newRecords: { left: [same('L1'), same('L2'), same('L3')], right: [same('R1'), same('R2')] },
        pendingCreates: ['L1', 'L2', 'L3'].map((sourceId) => ({ side: 'right' as const, sourceId, payload })),
      },
      new Map(),
    );
    expect(plan.newLinks.map((l) => [l.leftId, l.rightId])).toEqual([
      ['L1', 'R1'],
      ['L2', 'R2'],
    ]);
    expect(plan.ops.map((o) => [o.op, o.side, o.sourceId])).toEqual([['create', 'right', 'L3']]);
  });

  it('a source edited after the kill keeps its edit: the copy the create made is linked with the create as its base, not matched as a stranger', () => {
    // The killed run copied R1 to the left (the master) and died before its journal said so;
    // then the right app edited R1. The copy still holds what the create wrote.
    const plan = planRun(
      {
        pairId: 'p',
        config: { ...config, initialMatchPolicy: 'master' },
        now: Date.now(),
        optimistic: { left: false, right: false },
        linked: [],
        links: [],
        newRecords: { left: [rec('L1', 1)], right: [{ id: 'R1', fields: { ...canon(1), score: 99 } }] },
        pendingCreates: [{ side: 'left' as const, sourceId: 'R1', payload: canon(1) }],
      },
      new Map(),
    );
    expect(plan.newLinks.map((l) => [l.leftId, l.rightId])).toEqual([['L1', 'R1']]);
    // The right's edit goes to the copy; the master's stale copy is not written over it.
    expect(plan.ops.map((o) => [o.op, o.side, o.values])).toEqual([['update', 'left', { score: 99 }]]);
    expect(plan.conflicts).toEqual([]);
  });
});
