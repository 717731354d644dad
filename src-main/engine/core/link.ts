/**
 * The shapes the pure planner works on: a link between two records with its base, a record as an
 * app gave it, and a conflict as the planner proposes it. Types only; the store and the connectors
 * hold the same shapes (structurally), so the core never imports them.
 */
import type { ConflictDetail, ConflictField, ConflictKind, Side } from '../api/model';
import type { CanonicalRecord } from './canonical';

export type Link = {
  id: number;
  leftId: string | null;
  rightId: string | null;
  base: CanonicalRecord;
  leftVersion: string | null;
  rightVersion: string | null;
  /** Tombstone: this side's record was deleted and the delete was not propagated. */
  deletedSide: Side | null;
  /**
   * Each side's match key as stored (the base's; none for a gone side): the matching stage finds
   * the linked records that hold a key through these, by index. Absent: computed from the base.
   */
  leftKey?: string | null;
  rightKey?: string | null;
  /**
   * Each side's stamp as Concord's own write returned it (`WriteResult.stamp`): a cursor read may
   * leave that record out while it still sorts there. Kept only beside a version; absent: none.
   */
  leftStamp?: string | null;
  rightStamp?: string | null;
};

/** A record as a connector sees it (connectors/types.ts `AppRecord`, structurally). */
export type AppRecordLike = { id: string; version?: string; updatedAt?: string; fields: Record<string, unknown> };

export type ConflictData = {
  fields: ConflictField[];
  deletedSide?: Side;
  duplicate?: ConflictDetail['duplicate'];
  /** Each side's record version when the values in `fields` were read: a resolve refuses when it moved (PITFALLS 3). */
  versions?: Partial<Record<Side, string | null>>;
};

/** A conflict the planner sends to the inbox (the store adds its id, status and time). */
export type ProposedConflict = {
  pairId: string;
  kind: ConflictKind;
  leftId: string | null;
  rightId: string | null;
  record: string;
  fields: string[];
  data: ConflictData;
};
