import type { Side } from '../../../src-main/engine/api/model';
import { useConcord } from '../../store/react';

/** A side's app as the user named its connection ("App A"/"App B" until the pair is known). */
export function useSideName(pairId: string): (side: Side) => string {
  const pair = useConcord((s) => s.pairs.find((p) => p.id === pairId));
  return (side) => (pair ? pair[side].connectionName : side === 'left' ? 'App A' : 'App B');
}
