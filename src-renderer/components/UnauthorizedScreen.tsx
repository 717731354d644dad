export function UnauthorizedScreen() {
  return (
    <main className="unauthorized">
      <h1>Concord needs its access token</h1>
      <p>
        Open the address printed by <code>npm run serve</code> (it carries the access token).
      </p>
      <p className="muted">
        The server prints a line like <code>http://127.0.0.1:5199/?token=…</code> when it starts. Opening it once signs
        this browser in.
      </p>
    </main>
  );
}
