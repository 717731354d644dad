/**
 * "Neutralise formulas" on a CSV connection: a value that a spreadsheet would run as a formula
 * (`=HYPERLINK(…)` from another app) is written with a leading apostrophe, which spreadsheets show
 * as text. Reading undoes it, so the synced value is unchanged and Concord's own write never reads
 * back as an edit of the app (which would loop: written with the apostrophe, read as a new value,
 * written to the other app, …).
 *
 * The mapping is one-to-one on every string, so nothing round-trips differently: writing adds one
 * apostrophe before any run of apostrophes followed by a formula start (`=x` → `'=x`, `'=x` →
 * `''=x`), reading takes one away from the same shape. A string without that shape (`'hello`) is
 * written and read as it is, and so is a plain number (`-5`, `+3.2`): a spreadsheet reads it as the
 * number it is, and an apostrophe would turn it into text.
 */
const NEUTRALISED = /^'+[=+\-@\t\r]/;
const FORMULA_OR_ESCAPED = /^'*[=+\-@\t\r]/;

const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export const neutralise = (value: string): string => (FORMULA_OR_ESCAPED.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value);
export const unneutralise = (value: string): string => (NEUTRALISED.test(value) ? value.slice(1) : value);
