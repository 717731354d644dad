/**
 * The preview's warning about formulas: an app whose connector can neutralise formula-like values
 * (a CSV file a spreadsheet opens: `capabilities.formulaSetting`) but whose connection has that
 * setting off, while the other app holds values that would reach it starting with =, +, -, @, a
 * tab or a carriage return. The wizard shows it and offers to turn the setting on.
 */
import type { CanonicalValue, FormulaWarning, PairConfig, Side } from '../api/model';
import type { ConnectionService } from '../connections/service';
import { describeConfig } from '../connectors/config-schema';
import { getConnectorDefinition } from '../connectors/registry';
import type { CanonicalRecord } from '../core/canonical';
import { describeKey, matchKey } from '../core/matching';
import { FORMULA_START } from './csv';

const EXAMPLES = 3;
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const risky = (v: CanonicalValue | undefined): string | null => {
  for (const s of Array.isArray(v) ? v : [v]) if (typeof s === 'string' && FORMULA_START.test(s) && !PLAIN_NUMBER.test(s)) return s;
  return null;
};

export function formulaWarnings(connections: Pick<ConnectionService, 'get'>, config: PairConfig, records: Record<Side, Iterable<CanonicalRecord>>): FormulaWarning[] {
  const warnings: FormulaWarning[] = [];
  for (const side of ['left', 'right'] as const) {
    const from: Side = side === 'left' ? 'right' : 'left';
    const connection = connections.get(config[side].connectionId);
    const setting = getConnectorDefinition(connection.connector).capabilities.formulaSetting;
    if (setting === undefined || connection.config[setting] === true) continue;
    // Only fields that flow into this side can bring a formula to it.
    const fields = config.fields.filter((f) => f.direction === 'both' || f.direction === (side === 'right' ? 'left-to-right' : 'right-to-left')).map((f) => f.name);
    let count = 0;
    const examples: FormulaWarning['examples'] = [];
    for (const rec of records[from]) {
      for (const field of fields) {
        const value = risky(rec[field]);
        if (value === null) continue;
        count++;
        if (examples.length < EXAMPLES) examples.push({ key: describeKey(matchKey(rec, config.matchKeys, config.fallbackKeys)), field, value });
      }
    }
    if (count === 0) continue;
    const settingLabel = describeConfig(getConnectorDefinition(connection.connector).configSchema).find((f) => f.key === setting)?.label ?? setting;
    warnings.push({ side, connectionId: connection.id, setting, settingLabel, count, examples });
  }
  return warnings;
}
