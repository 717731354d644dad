/**
 * The inbox's listing in SQL: filter, search, sort and page the conflicts table without parsing
 * a conflict's stored record (the list shows columns only). Search runs over `search_text`, which
 * holds the record label, field names and the values in conflict — never the JSON keys of the
 * stored conflict, so "left" or "name" find only the conflicts that hold those words.
 */
import type { CanonicalValue, ConflictFacets, ConflictPage, ConflictQuery, ConflictSort, ConflictSummary } from '../api/model';
import { statementCache, type Db } from '../store/db';
import type { ConflictData } from './records-store';

/** What a conflict is found by: its label, field names and every value it shows, lower-cased. */
export function conflictSearchText(record: string, fields: string[], data: ConflictData): string {
  const parts: string[] = [record, ...fields];
  const push = (v: CanonicalValue | undefined) => {
    if (v === undefined || v === null) return;
    if (Array.isArray(v)) parts.push(...v);
    else parts.push(String(v));
  };
  for (const f of data.fields) {
    parts.push(f.name);
    push(f.base);
    push(f.left);
    push(f.right);
  }
  const dup = data.duplicate;
  if (dup) {
    for (const v of Object.values(dup.record)) push(v);
    for (const cand of dup.candidates) {
      parts.push(cand.id);
      for (const v of Object.values(cand.fields)) push(v);
    }
  }
  return parts.join('\n').toLowerCase();
}

/** What the Fields column shows (and sorts by): a duplicate puts the whole record in question. */
export const fieldsLabel = (fields: string[]): string => fields.join(', ') || 'whole record';

/** Sort keys to SQL; the kind sorts by the short label the table shows (Duplicate, Edit/delete, Values). */
const ORDER: Record<ConflictSort['by'], string> = {
  detectedAt: 'c.detected_at',
  record: 'c.record COLLATE NOCASE',
  pairName: 'p.name COLLATE NOCASE',
  fields: 'coalesce(c.fields_label, c.fields_json) COLLATE NOCASE',
  kind: "CASE c.kind WHEN 'duplicate' THEN 0 WHEN 'update-delete' THEN 1 ELSE 2 END",
};

type Row = { id: string; pair_id: string; pair_name: string | null; kind: ConflictSummary['kind']; record: string; fields_json: string; status: ConflictSummary['status']; detected_at: string };

export const DEFAULT_PAGE = 100;

export function createConflictList(db: Db) {
  const prepare = statementCache(db);

  /**
   * The WHERE clause for a query and its parameters. Built from which filters are present (a
   * handful of SQL texts, each compiled once), so the planner can use the pair and status indexes.
   */
  function where(q: ConflictQuery): { sql: string; params: Record<string, string> } {
    const terms = ['c.status = @status'];
    const params: Record<string, string> = { status: q.status ?? 'open' };
    if (q.pairId) {
      terms.push('c.pair_id = @pairId');
      params.pairId = q.pairId;
    }
    if (q.kind) {
      terms.push('c.kind = @kind');
      params.kind = q.kind;
    }
    if (q.field) {
      terms.push('EXISTS (SELECT 1 FROM json_each(c.fields_json) WHERE value = @field)');
      params.field = q.field;
    }
    const needle = q.search?.trim().toLowerCase();
    if (needle) {
      // Pair names are few: matched here in JS (SQLite's lower() folds ASCII only).
      const pairs = (prepare('SELECT id, name FROM pairs').all() as { id: string; name: string }[]).filter((p) => p.name.toLowerCase().includes(needle)).map((p) => p.id);
      // Rows saved before migration 5 and not yet backfilled match on their label meanwhile.
      terms.push("(instr(coalesce(c.search_text, lower(c.record)), @search) > 0 OR c.pair_id IN (SELECT value FROM json_each(@pairs)))");
      params.search = needle;
      params.pairs = JSON.stringify(pairs);
    }
    return { sql: terms.join(' AND '), params };
  }

  return {
    page(q: ConflictQuery & { offset?: number; limit?: number; sort?: ConflictSort }): ConflictPage {
      const { sql, params } = where(q);
      const offset = q.offset ?? 0;
      const limit = q.limit ?? DEFAULT_PAGE;
      const sort = q.sort ?? { by: 'detectedAt', desc: true };
      const dir = sort.desc ? 'DESC' : 'ASC';
      const from = 'FROM conflicts c LEFT JOIN pairs p ON p.id = c.pair_id';
      const total = prepare(`SELECT count(*) FROM conflicts c WHERE ${sql}`).pluck().get(params) as number;
      const rows = prepare(
        `SELECT c.id, c.pair_id, p.name AS pair_name, c.kind, c.record, c.fields_json, c.status, c.detected_at ${from} WHERE ${sql} ORDER BY ${ORDER[sort.by]} ${dir}, c.rowid ${dir} LIMIT @limit OFFSET @offset`,
      ).all({ ...params, limit, offset }) as Row[];
      return {
        total,
        offset,
        items: rows.map((r) => ({
          id: r.id,
          pairId: r.pair_id,
          pairName: r.pair_name ?? '(deleted pair)',
          kind: r.kind,
          record: r.record,
          fields: JSON.parse(r.fields_json) as string[],
          status: r.status,
          detectedAt: r.detected_at,
        })),
      };
    },
    /** The newest conflict row: a job over "all matching" stops there (conflicts a run adds meanwhile are not in its count). */
    maxRowid(): number {
      return (prepare('SELECT max(rowid) FROM conflicts').pluck().get() as number | null) ?? 0;
    },
    /** Every conflict id matching the query up to row `upTo`, in pages of `size` (a bulk job over "all N matching"). */
    *ids(q: ConflictQuery, size: number, upTo: number): Generator<string[]> {
      const { sql, params } = where(q);
      // Keyset paging on rowid: a job resolving as it goes never skips or repeats a row.
      let after = 0;
      // NOT INDEXED: a walk of the table from `after` on (another index would sort every open conflict per batch).
      const stmt = prepare(`SELECT c.rowid AS rid, c.id FROM conflicts c NOT INDEXED WHERE ${sql} AND c.rowid > @after AND c.rowid <= @upTo ORDER BY c.rowid LIMIT @size`);
      for (;;) {
        const rows = stmt.all({ ...params, after, size, upTo }) as { rid: number; id: string }[];
        if (rows.length === 0) return;
        after = rows[rows.length - 1]?.rid ?? after;
        yield rows.map((r) => r.id);
      }
    },
    count(q: ConflictQuery): number {
      const { sql, params } = where(q);
      return prepare(`SELECT count(*) FROM conflicts c WHERE ${sql}`).pluck().get(params) as number;
    },
    facets(status: ConflictQuery['status'] = 'open'): ConflictFacets {
      // Pairs are few: each asks its index whether it has one (a conflict's pair always exists: deleting a pair deletes its conflicts).
      const pairs = prepare('SELECT p.id, p.name FROM pairs p WHERE EXISTS (SELECT 1 FROM conflicts c INDEXED BY conflicts_by_pair WHERE c.pair_id = p.id AND c.status = ?) ORDER BY p.name COLLATE NOCASE')
        .all(status) as { id: string; name: string }[];
      // Conflicts share a handful of field lists: SQLite finds the distinct lists, JS unions the few it gets.
      const lists = prepare('SELECT DISTINCT fields_json FROM conflicts INDEXED BY conflicts_fields WHERE status = ?').pluck().all(status) as string[];
      const fields = [...new Set(lists.flatMap((json) => JSON.parse(json) as string[]))].sort();
      return { total: this.count({ status }), pairs, fields };
    },
  };
}

export type ConflictList = ReturnType<typeof createConflictList>;
