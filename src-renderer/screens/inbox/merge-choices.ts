import type { CanonicalValue, ConflictDetail, ConflictField, FieldChoice, Side, ValueType } from '../../../src-main/engine/api/model';
import type { Pick } from '../../store/merge-drafts';

export type { Pick };

export const sideOf = (take: 'master' | 'slave', masterSide: Side): Side =>
  take === 'master' ? masterSide : masterSide === 'left' ? 'right' : 'left';

/** Reads a typed merged value into the field's canonical form; an error message when it cannot. */
export function parseMerged(text: string, type: ValueType): { value: CanonicalValue } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { value: null };
  switch (type) {
    case 'number': {
      const n = Number(trimmed);
      return Number.isFinite(n) ? { value: n } : { error: `"${text}" is not a number.` };
    }
    case 'boolean':
      if (/^(true|yes|1)$/i.test(trimmed)) return { value: true };
      if (/^(false|no|0)$/i.test(trimmed)) return { value: false };
      return { error: 'Type true or false.' };
    case 'set':
      return { value: trimmed.split(',').map((s) => s.trim()).filter(Boolean) };
    default:
      return { value: text };
  }
}

export function toFieldChoice(pick: Pick, masterSide: Side): FieldChoice {
  if ('value' in pick) return { value: pick.value };
  return { take: sideOf(pick.take, masterSide) };
}

export function conflictingFields(detail: ConflictDetail): ConflictField[] {
  return detail.fields.filter((f) => f.inConflict);
}

/** The fields still waiting for a pick; Apply is allowed when none is. */
export function missingPicks(detail: ConflictDetail, picks: Record<string, Pick | undefined>): string[] {
  return conflictingFields(detail)
    .filter((f) => !picks[f.name])
    .map((f) => f.name);
}

/** Per field, why its typed merged value cannot be read (derived from the text, so it survives a remount). */
export function mergedValueErrors(detail: ConflictDetail, picks: Record<string, Pick | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(
    detail.fields.flatMap((f) => {
      const pick = picks[f.name];
      if (!pick || !('text' in pick)) return [];
      const parsed = parseMerged(pick.text, f.type);
      return 'error' in parsed ? [[f.name, parsed.error]] : [];
    }),
  );
}

export function sameValue(a: CanonicalValue | undefined, b: CanonicalValue | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
