import { describe, expect, it } from 'vitest';
import type { PairConfig } from '../api/model';
import { decideLinked } from './merge';
import { patchAgainst, resumeView, type InterruptedField } from './resume';

const config: Pick<PairConfig, 'fields' | 'masterSide' | 'conflictPolicy'> = {
  fields: [{ name: 'score', type: 'number', left: { fields: ['score'] }, right: { fields: ['score'] }, direction: 'both', policy: 'merge-numeric' }],
  masterSide: 'left',
  conflictPolicy: 'master',
};
/** The interrupted run merged base 10, left 15, right 12 into 17; `leftDone`: the left write committed. */
const merged = (leftDone: boolean): InterruptedField => ({ value: 17, seen: { left: 15, right: 12 }, written: { left: leftDone, right: false } });

function finish(base: number, left: number, right: number, it: InterruptedField) {
  const v = resumeView({ score: base }, { score: left }, { score: right }, { score: it });
  const d = decideLinked(v.base, { values: v.left }, { values: v.right }, { config, now: 0 });
  return patchAgainst(d, { score: left }, { score: right }, 'finishing');
}

describe('finishing an interrupted decision (PITFALLS 15)', () => {
  it('left committed (base 17), right untouched: writes 17 to the right only', () => {
    const d = finish(17, 17, 12, merged(true));
    expect(d).toMatchObject({ base: { score: 17 }, leftPatch: {}, rightPatch: { score: 17 }, conflicts: [] });
    expect(d.overwrites).toEqual([{ side: 'right', field: 'score', before: 12, after: 17, reason: 'finishing' }]);
  });
  it('left landed but not journaled (base 10): no second merge (17, not 19)', () => {
    expect(finish(10, 17, 12, merged(false))).toMatchObject({ base: { score: 17 }, leftPatch: {}, rightPatch: { score: 17 } });
  });
  it('nothing landed: the same decision again', () => {
    expect(finish(10, 15, 12, merged(false))).toMatchObject({ base: { score: 17 }, leftPatch: { score: 17 }, rightPatch: { score: 17 } });
  });
  it('the right edited after the crash (12 → 13): only its new delta is added (18)', () => {
    expect(finish(17, 17, 13, merged(true))).toMatchObject({ base: { score: 18 }, leftPatch: { score: 18 }, rightPatch: { score: 18 } });
  });
  it('the committed left edited after the crash (17 → 20): the edit stands (20)', () => {
    expect(finish(17, 20, 12, merged(true))).toMatchObject({ base: { score: 20 }, leftPatch: {}, rightPatch: { score: 20 } });
  });
  it('the committed left set back to its old value by a user: that edit is honoured, not re-merged', () => {
    expect(finish(17, 15, 12, merged(true))).toMatchObject({ base: { score: 15 }, leftPatch: {}, rightPatch: { score: 15 } });
  });
});
