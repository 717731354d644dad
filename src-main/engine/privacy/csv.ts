/**
 * CSV for files a person opens in a spreadsheet (the activity export). RFC 4180 quoting, and
 * formula neutralising: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is
 * read by Excel, LibreOffice and Google Sheets as a formula (`=HYPERLINK(…)` sends data away,
 * DDE runs commands), so it gets a leading apostrophe, which those programs show as text.
 */

/** Characters that make a spreadsheet read a cell as a formula when they come first. */
export const FORMULA_START = /^[=+\-@\t\r]/;

/** `value` as a spreadsheet shows it literally: an apostrophe before a formula-like start. */
export const neutraliseFormula = (value: string): string => (FORMULA_START.test(value) ? `'${value}` : value);

/** One cell: neutralised, then quoted when it holds a comma, a quote or a line break. */
export function csvCell(value: string): string {
  const safe = neutraliseFormula(value);
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** One line, ended with CRLF as RFC 4180 says. */
export const csvLine = (cells: readonly string[]): string => `${cells.map(csvCell).join(',')}\r\n`;
