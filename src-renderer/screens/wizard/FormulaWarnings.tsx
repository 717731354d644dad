import type { FormulaWarning } from '../../../src-main/engine/api/model';
import { useBusy } from '../../components/use-busy';
import { plural } from '../../components/plural';
import { useConcord } from '../../store/react';
import { sideLabel } from './mapping-model';

/**
 * The preview's warning that an app a spreadsheet opens would receive values it runs as formulas
 * (`=HYPERLINK(…)`), with the connection's setting that writes them as text, one click away.
 */
export function FormulaWarnings({ warnings }: { warnings: FormulaWarning[] | undefined }) {
  if (!warnings || warnings.length === 0) return null;
  return (
    <>
      {warnings.map((w) => (
        <FormulaWarningBanner key={w.side} warning={w} />
      ))}
    </>
  );
}

function FormulaWarningBanner({ warning }: { warning: FormulaWarning }) {
  const neutralise = useConcord((s) => s.neutraliseFormulas);
  const [busy, whileBusy] = useBusy();
  const app = sideLabel(warning.side);
  return (
    <div className="banner" role="note" aria-label={`Formulas written into ${app}`}>
      <p>
        {app} would receive {plural(warning.count, 'value')} that a spreadsheet runs as a formula, e.g.{' '}
        {warning.examples.map((e, i) => (
          <span key={`${e.key}-${e.field}`}>
            {i > 0 && ', '}
            <code>{e.value}</code> ({e.field} of {e.key})
          </span>
        ))}
        . Concord writes them as they are unless the connection's setting “{warning.settingLabel}” is on: it writes them with a leading apostrophe, so
        they show as text (the file then holds the apostrophe; Concord reads the value without it).
      </p>
      <button type="button" disabled={busy} onClick={() => void whileBusy(() => neutralise(warning))}>
        {busy ? 'Turning it on…' : `Turn on “${warning.settingLabel}” for ${app}`}
      </button>
    </div>
  );
}
