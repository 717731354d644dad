import type { PairTab } from '../../store/route';
export function PairDetailScreen({ pairId, tab }: { pairId: string; tab: PairTab }) {
  return <section className="screen"><h1>{pairId}</h1>{tab}</section>;
}
