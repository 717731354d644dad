export function InboxScreen({ conflictId }: { conflictId: string | null }) {
  return <section className="screen"><h1>Conflicts</h1>{conflictId}</section>;
}
