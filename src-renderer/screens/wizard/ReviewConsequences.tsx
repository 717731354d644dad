import { useEffect, useState } from 'react';
import type { PairConfig, PairPreview, Side } from '../../../src-main/engine/api/model';
import { plural } from '../../components/plural';
import { useConcord } from '../../store/react';
import { POLICIES } from './MappingEditor';

/**
 * The review step's list of everything the first sync will do to each app (issue 13 §1): values it
 * overwrites, columns it adds, records nothing can match, keys several records share, deletes. It
 * asks the engine for a preview of the final settings (the policies chosen after the match step
 * change what is overwritten), so nothing here is a guess.
 */
export function ReviewConsequences({ config, names }: { config: PairConfig; names: Record<Side, string> }) {
  const preview = useConcord((s) => s.preview);
  const loadPreview = useConcord((s) => s.loadPreview);
  // The settings are final here: the preview is read again for exactly them (the one the match
  // step showed was read before the policies were chosen), and shown only once it has come.
  const [fresh, setFresh] = useState(false);
  useEffect(() => {
    let live = true;
    void loadPreview().then(() => live && setFresh(true));
    return () => {
      live = false;
    };
  }, [loadPreview]);
  if (!fresh || !preview) return <p className="muted">Reading both apps to list what the first sync will do…</p>;
  return (
    <section className="consequences" aria-label="What the first sync will do">
      <h3>What the first sync will do</h3>
      <ul>
        {consequenceLines(preview, config, names).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
    </section>
  );
}

/** Each consequence in words, per app; "nothing" is said too, so a missing line never hides one. */
export function consequenceLines(preview: PairPreview, config: PairConfig, names: Record<Side, string>): string[] {
  const c = preview.consequences;
  const sides = ['left', 'right'] as const;
  const lines: string[] = [];
  for (const side of sides) {
    const other = side === 'left' ? 'right' : 'left';
    const created = side === 'left' ? preview.createOnLeft : preview.createOnRight;
    lines.push(created > 0 ? `Create ${plural(created, 'record')} in ${names[side]}, copied from ${names[other]}.` : `Create no record in ${names[side]}.`);
  }
  if (c) {
    const policy = POLICIES.find((p) => p.id === (config.initialMatchPolicy ?? 'master'))?.label ?? 'the first-match policy';
    for (const side of sides) {
      const o = c.overwritten[side];
      lines.push(o.values > 0 ? `Overwrite ${plural(o.values, 'value')} in ${plural(o.records, 'record')} of ${names[side]} (first match: ${policy}); each old value stays in the activity log.` : `Overwrite no value in ${names[side]}.`);
    }
    for (const side of sides) {
      if (c.addedColumns[side].length > 0) lines.push(`Add the column ${c.addedColumns[side].join(', ')} to ${names[side]}: Concord keeps each row's id there.`);
    }
    for (const side of sides) {
      const other = side === 'left' ? 'right' : 'left';
      if (c.emptyKeys[side] > 0) {
        const what = (config.emptyKeys ?? 'hold') === 'hold' ? 'they wait in the conflict inbox for you to create, link or delete each' : `each is created in ${names[other]} as a new record`;
        lines.push(`${plural(c.emptyKeys[side], 'record')} of ${names[side]} ${c.emptyKeys[side] === 1 ? 'has' : 'have'} no value for ${config.matchKeys.join(', ')}: ${what}.`);
      }
    }
  }
  for (const k of preview.sharedKeys ?? []) lines.push(`${plural(k.count, 'record')} of ${names[k.side]} share the key ${k.key}: each becomes its own record in the other app.`);
  if (preview.ambiguous > 0) lines.push(`${plural(preview.ambiguous, 'record')} ${preview.ambiguous === 1 ? 'matches' : 'match'} several records: they wait in the conflict inbox, nothing is created for them.`);
  if (c) {
    const deletes = sides.filter((s) => c.deletes[s] > 0).map((s) => `${plural(c.deletes[s], 'record')} in ${names[s]}`);
    lines.push(deletes.length > 0 ? `Delete ${deletes.join(' and ')} (gone from the other app); each stays restorable in the activity log.` : 'Delete nothing in either app.');
  }
  return lines;
}
