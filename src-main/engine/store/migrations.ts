/**
 * The schema, as an append-only list. Never edit a migration that has shipped; add a new one.
 * Ids are unique and increasing.
 */
export type Migration = { id: number; name: string; sql: string };

export const migrations: Migration[] = [
  {
    id: 1,
    name: 'settings',
    sql: `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  },
  {
    id: 2,
    name: 'connections',
    // Config only: secrets live in the credential store under the connection's id.
    sql: `CREATE TABLE connections (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      connector TEXT NOT NULL,
      config_json TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );`,
  },
  {
    id: 3,
    name: 'sync state',
    // A pair's sync state. Links hold the base (canonical value of every mapped field) and each
    // side's version; a link whose side was deleted without propagation keeps a tombstone
    // (deleted_side) so the record does not come back. Journal rows are written before every
    // write and marked done in the same transaction that advances base, link and cursor.
    sql: `CREATE TABLE pairs (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      config_json TEXT NOT NULL,
      paused INTEGER NOT NULL DEFAULT 0,
      health_reason TEXT,
      paused_until TEXT,
      last_full_at TEXT,
      next_run_at TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE TABLE links (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      pair_id TEXT NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
      left_id TEXT,
      right_id TEXT,
      base_json TEXT NOT NULL,
      left_version TEXT,
      right_version TEXT,
      deleted_side TEXT,
      updated_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX links_left ON links(pair_id, left_id);
    CREATE UNIQUE INDEX links_right ON links(pair_id, right_id);
    CREATE TABLE cursors (
      pair_id TEXT NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
      side TEXT NOT NULL,
      cursor_json TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (pair_id, side)
    );
    CREATE TABLE runs (
      id TEXT PRIMARY KEY,
      pair_id TEXT NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
      trigger TEXT NOT NULL,
      mode TEXT NOT NULL,
      status TEXT NOT NULL,
      started_at TEXT NOT NULL,
      finished_at TEXT,
      counts_json TEXT NOT NULL,
      error TEXT
    );
    CREATE INDEX runs_pair ON runs(pair_id, started_at);
    CREATE TABLE journal (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      pair_id TEXT NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
      run_id TEXT NOT NULL,
      side TEXT NOT NULL,
      op TEXT NOT NULL,
      target_id TEXT,
      source_id TEXT,
      payload_json TEXT NOT NULL,
      status TEXT NOT NULL,
      error TEXT,
      created_at TEXT NOT NULL,
      finished_at TEXT
    );
    CREATE INDEX journal_pending ON journal(pair_id, status);
    CREATE TABLE conflicts (
      id TEXT PRIMARY KEY,
      pair_id TEXT NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
      link_id INTEGER,
      kind TEXT NOT NULL,
      left_id TEXT,
      right_id TEXT,
      record TEXT NOT NULL,
      fields_json TEXT NOT NULL,
      data_json TEXT NOT NULL,
      status TEXT NOT NULL,
      detected_at TEXT NOT NULL,
      resolved_at TEXT,
      resolution_json TEXT
    );
    CREATE INDEX conflicts_open ON conflicts(pair_id, status);
    CREATE TABLE failed (
      id TEXT PRIMARY KEY,
      pair_id TEXT NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
      side TEXT NOT NULL,
      op TEXT NOT NULL,
      left_id TEXT,
      right_id TEXT,
      record TEXT NOT NULL,
      error TEXT NOT NULL,
      attempts INTEGER NOT NULL,
      next_attempt_at TEXT,
      failed_at TEXT NOT NULL
    );
    CREATE TABLE activity (
      id TEXT PRIMARY KEY,
      pair_id TEXT NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
      run_id TEXT,
      record TEXT NOT NULL,
      record_id TEXT,
      side TEXT NOT NULL,
      action TEXT NOT NULL,
      field TEXT,
      before_json TEXT,
      after_json TEXT,
      reason TEXT NOT NULL,
      at TEXT NOT NULL,
      restorable INTEGER NOT NULL
    );
    CREATE INDEX activity_pair ON activity(pair_id, at);`,
  },
  {
    id: 4,
    name: 'pairs.halted_gone',
    // How many linked records were gone from an app when the mass-delete guard stopped the pair's
    // last run: what a user confirms with "Apply these deletes" (null when nothing waits).
    sql: 'ALTER TABLE pairs ADD COLUMN halted_gone INTEGER',
  },
  {
    id: 5,
    name: 'inbox columns and per-write indexes',
    // The inbox lists, searches and sorts in SQL without parsing a conflict's stored record:
    // `search_text` holds the record label, field names and the values in conflict, lower-cased
    // (never the JSON keys of data_json), and `fields_label` what the Fields column shows. Rows
    // written before this migration get both from the records store when the engine opens (a
    // NULL search_text falls back to the label meanwhile). Partial indexes find a record's open
    // conflict by either id or by its link without scanning the pair's open conflicts; the failed
    // list gets the indexes its per-write lookups need. conflicts_by_pair covers what
    // conflicts_open (pair_id, status) did: one index less to update per resolution.
    sql: `ALTER TABLE conflicts ADD COLUMN search_text TEXT;
    ALTER TABLE conflicts ADD COLUMN fields_label TEXT;
    CREATE INDEX conflicts_open_left ON conflicts(pair_id, left_id) WHERE status = 'open';
    CREATE INDEX conflicts_open_right ON conflicts(pair_id, right_id) WHERE status = 'open';
    CREATE INDEX conflicts_open_link ON conflicts(pair_id, link_id) WHERE status = 'open';
    CREATE INDEX conflicts_by_status ON conflicts(status, detected_at);
    CREATE INDEX conflicts_by_pair ON conflicts(pair_id, status, detected_at);
    CREATE INDEX conflicts_fields ON conflicts(status, fields_json);
    DROP INDEX conflicts_open;
    CREATE INDEX failed_left ON failed(pair_id, left_id);
    CREATE INDEX failed_right ON failed(pair_id, right_id);
    CREATE INDEX failed_pair ON failed(pair_id, failed_at);
    CREATE INDEX failed_due ON failed(pair_id, next_attempt_at);`,
  },
  {
    id: 6,
    name: 'streaming run: link keys and the run working state',
    // A run streams: it never holds a whole side or every link in memory. Its working state lives
    // here. links.left_key/right_key: each side's match key as last known, indexed, so matching
    // finds the linked records that hold a key without loading every link (pairs.link_keys: the
    // match-key settings they were computed under; NULL or different: recomputed before a run).
    // run_staged: the unlinked records a run read, waiting for the matching stage (by key; crash
    // recovery compares content within a key). run_seen: the ids a complete scan saw (deletes by absence).
    // run_gone: linked records a run found gone, held until the mass-delete guard has counted
    // them (replaced: the app gave the record's id to another record, e.g. a reused row id). All three are cleared when a run starts: a killed run's leftovers mean nothing.
    sql: `ALTER TABLE links ADD COLUMN left_key TEXT;
    ALTER TABLE links ADD COLUMN right_key TEXT;
    CREATE INDEX links_left_key ON links(pair_id, left_key) WHERE left_key IS NOT NULL;
    CREATE INDEX links_right_key ON links(pair_id, right_key) WHERE right_key IS NOT NULL;
    ALTER TABLE pairs ADD COLUMN link_keys TEXT;
    CREATE TABLE run_staged (
      pair_id TEXT NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
      side TEXT NOT NULL,
      app_id TEXT NOT NULL,
      match_key TEXT,
      content_key TEXT NOT NULL,
      rec_json TEXT NOT NULL,
      PRIMARY KEY (pair_id, side, app_id)
    ) WITHOUT ROWID;
    CREATE INDEX run_staged_key ON run_staged(pair_id, match_key, side);
    CREATE TABLE run_seen (
      pair_id TEXT NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
      side TEXT NOT NULL,
      app_id TEXT NOT NULL,
      version TEXT,
      PRIMARY KEY (pair_id, side, app_id)
    ) WITHOUT ROWID;
    CREATE TABLE run_gone (
      pair_id TEXT NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
      link_id INTEGER NOT NULL,
      side TEXT NOT NULL,
      replaced INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (pair_id, link_id, side)
    ) WITHOUT ROWID;
    CREATE INDEX journal_run ON journal(run_id);`,
  },
  {
    id: 7,
    name: 'run working state leaves the durable file',
    // A run's working state (staged, seen, gone) means nothing after a crash — a run clears it when
    // it starts — yet, kept here, every row of it went through the WAL twice (written, then
    // deleted): 140 MB of a 100k first sync's 280 MB. It lives in TEMP tables now (run-tables.ts).
    sql: `DROP TABLE run_staged;
    DROP TABLE run_seen;
    DROP TABLE run_gone;`,
  },
  {
    id: 8,
    name: "links remember the stamp of Concord's own writes",
    // left_stamp/right_stamp: where a record Concord wrote sorts in its app's change order, as the
    // write returned it (WriteResult.stamp). The next cursor read leaves out a record still at that
    // stamp instead of reading Concord's own write back in full; indexed by stamp, so a read asks
    // only for the stamps inside its window. Meaningful only beside a stored version.
    // links_tombstones: the linked count is every link (counted in an index) less the tombstones.
    sql: `ALTER TABLE links ADD COLUMN left_stamp TEXT;
    ALTER TABLE links ADD COLUMN right_stamp TEXT;
    CREATE INDEX links_left_stamp ON links(pair_id, left_stamp, left_id) WHERE left_stamp IS NOT NULL;
    CREATE INDEX links_right_stamp ON links(pair_id, right_stamp, right_id) WHERE right_stamp IS NOT NULL;
    CREATE INDEX links_tombstones ON links(pair_id) WHERE deleted_side IS NOT NULL;`,
  },
  {
    id: 9,
    name: 'access tokens and sessions',
    // Named access tokens for the headless server and the browser sessions made from them. Only
    // SHA-256 digests of a token or session id are stored (both are 256-bit random, so a fast
    // digest is enough): a copy of the database gives no way in. A token's name is unique among
    // the tokens not revoked. A session names its token by id; a session of the token `serve`
    // printed has no row here (token_id starts with "start:") and lives as long as that token.
    sql: `CREATE TABLE access_tokens (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      digest TEXT NOT NULL UNIQUE,
      admin INTEGER NOT NULL,
      created_at TEXT NOT NULL,
      last_used_at TEXT,
      revoked_at TEXT
    );
    CREATE UNIQUE INDEX access_tokens_live_name ON access_tokens(name) WHERE revoked_at IS NULL;
    CREATE TABLE access_sessions (
      id TEXT PRIMARY KEY,
      digest TEXT NOT NULL UNIQUE,
      token_id TEXT NOT NULL,
      token_name TEXT NOT NULL,
      admin INTEGER NOT NULL,
      created_at TEXT NOT NULL,
      last_seen_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      revoked_at TEXT,
      address TEXT,
      user_agent TEXT
    );
    CREATE INDEX access_sessions_token ON access_sessions(token_id);`,
  },
  {
    id: 10,
    name: 'activity keeps deleted records; activity and conflicts name who acted',
    // record_json: on a record-level "deleted" entry, the record's canonical values and its ids in
    // each app as they were before the delete, so Restore can create it again in every app that
    // lost it. actor: who acted for a steward's action (the OS user on the desktop, the token's
    // name headless); null for a sync run's own writes.
    // conflicts.resolved_by: the steward who resolved it (null when the apps settled it themselves).
    sql: `ALTER TABLE activity ADD COLUMN record_json TEXT;
    ALTER TABLE activity ADD COLUMN actor TEXT;
    ALTER TABLE conflicts ADD COLUMN resolved_by TEXT;`,
  },
  {
    id: 11,
    name: "records a steward's resolution of a duplicate leaves to the next run",
    // released: the records an open duplicate conflict held that its resolution neither linked nor
    // deleted (what is left beside a deleted stale copy, the candidates not chosen). The next run
    // reads them by id: a cursor or flag side does not show them again (they did not change), and
    // unread they were never matched — the next copy of their key was created beside them (issue
    // 13 §1). A row goes once a run has matched it.
    sql: `CREATE TABLE released (
      pair_id TEXT NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
      side TEXT NOT NULL,
      app_id TEXT NOT NULL,
      PRIMARY KEY (pair_id, side, app_id)
    ) WITHOUT ROWID;`,
  },
  {
    id: 12,
    name: 'the real-time event queue; correlation ids on journal and activity',
    // events: every change a feed reported for a pair (a webhook, a database notification, a
    // poll, a watched file), written before the webhook is answered (issue 12). seq orders a
    // pair's events; a record's events apply in that order. record_id null: "something changed on
    // this side" (a feed that names no record), answered by an incremental run. dedupe_key: the
    // app's event id (or the body's digest), unique per pair and side, so a retried delivery is
    // stored once. payload_json: a fat event's record as the app sent it (null: thin, read from
    // the app). state: pending | applied | conflict | failed; detail_json says what happened.
    // correlation_id: handed to the sender, and carried into the run, the journal and the activity.
    // activity_run: an event's outcome is read from its run's activity once the run ended
    // (sync/events/outcome.ts), without scanning the table. failed.reason: why the app refused
    // (the write result's reason): an event whose record failed for a passing reason (the app
    // down, a stale version) stays pending and is tried again; a refusal ends it failed.
    // pairs.paused_side: which app asked for the pause in paused_until (429, 503 with Retry-After),
    // so the card names it after a restart too.
    sql: `CREATE TABLE events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      correlation_id TEXT NOT NULL UNIQUE,
      pair_id TEXT NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
      side TEXT NOT NULL,
      source TEXT NOT NULL,
      dedupe_key TEXT,
      record_id TEXT,
      kind TEXT NOT NULL,
      payload_json TEXT,
      state TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at TEXT,
      received_at TEXT NOT NULL,
      finished_at TEXT,
      run_id TEXT,
      detail_json TEXT
    );
    CREATE UNIQUE INDEX events_dedupe ON events(pair_id, side, dedupe_key) WHERE dedupe_key IS NOT NULL;
    CREATE INDEX events_pending ON events(pair_id, state, seq);
    CREATE INDEX events_finished ON events(finished_at) WHERE finished_at IS NOT NULL;
    ALTER TABLE journal ADD COLUMN correlation_id TEXT;
    ALTER TABLE activity ADD COLUMN correlation_id TEXT;
    CREATE INDEX activity_run ON activity(run_id) WHERE run_id IS NOT NULL;
    ALTER TABLE failed ADD COLUMN reason TEXT;
    ALTER TABLE pairs ADD COLUMN paused_side TEXT;`,
  },
  {
    id: 13,
    name: 'workflow actions and their outbox',
    // Workflow actions (issue 12 §4) get
    // tables of their own rather than a place in pairs.config_json: pairs/update replaces the whole
    // config from the settings form, and deliveries need a stable action id to point at.
    // actions: no foreign key to pairs — a deleted pair's actions must still be read to delete
    // their signing secrets from the credential store (actions/domain.ts does it on pairs/removed
    // and at start). A url action's secret is in the credential store under `action:<id>`, never here.
    // action_deliveries: the outbox. A row is written in the same transaction as the run's finish
    // (or the test/redelivery that made it) and sent by the worker until delivered or out of
    // attempts; its id is the receiver's idempotency key. data_json: the body's `data`.
    // action_attempts: each try, with the HTTP status and the start of the answer.
    // action_marks: per pair, when the events were last gathered and whether the pair was last
    // announced failing — so a killed run's conflicts are announced by the next run, and a pair
    // is announced failing (or recovered) once per change, not once per run.
    sql: `CREATE TABLE actions (
      id TEXT PRIMARY KEY,
      pair_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      url TEXT,
      events_json TEXT NOT NULL,
      enabled INTEGER NOT NULL,
      secret_rotated_at TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE INDEX actions_pair ON actions(pair_id);
    CREATE TABLE action_deliveries (
      id TEXT PRIMARY KEY,
      action_id TEXT NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
      pair_id TEXT NOT NULL,
      pair_name TEXT NOT NULL,
      event TEXT NOT NULL,
      occurred_at TEXT NOT NULL,
      data_json TEXT NOT NULL,
      status TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      max_attempts INTEGER NOT NULL,
      next_attempt_at TEXT
    );
    CREATE INDEX action_deliveries_due ON action_deliveries(next_attempt_at) WHERE status = 'pending';
    CREATE INDEX action_deliveries_pair ON action_deliveries(pair_id, id);
    CREATE INDEX action_deliveries_action ON action_deliveries(action_id, id);
    CREATE TABLE action_attempts (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      delivery_id TEXT NOT NULL REFERENCES action_deliveries(id) ON DELETE CASCADE,
      at TEXT NOT NULL,
      manual INTEGER NOT NULL,
      http_status INTEGER,
      response TEXT,
      error TEXT,
      duration_ms INTEGER NOT NULL
    );
    CREATE INDEX action_attempts_delivery ON action_attempts(delivery_id, id);
    CREATE TABLE action_marks (
      pair_id TEXT PRIMARY KEY REFERENCES pairs(id) ON DELETE CASCADE,
      gathered_at TEXT NOT NULL,
      failing INTEGER NOT NULL
    );`,
  },
];
