// @vitest-environment happy-dom
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { ProfileEditor } from './ProfileEditor';

afterEach(cleanup);

function Harness({ initial, onChange }: { initial?: string; onChange?: (v: string) => void }) {
  const [value, setValue] = useState<string | undefined>(initial);
  return (
    <ProfileEditor
      id="a"
      label="App profile (JSON)"
      value={value}
      onValue={(v) => {
        setValue(v);
        onChange?.(v);
      }}
    />
  );
}

describe('the app profile editor', () => {
  it('writes what the form sets as JSON, and choosing another paging style starts its settings afresh', async () => {
    const values: string[] = [];
    render(<Harness onChange={(v) => values.push(v)} />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('API base URL'), 'https://api.example.com');
    await user.selectOptions(screen.getByLabelText('Paging (optional)'), 'cursor');
    await user.type(screen.getByLabelText('Next cursor in the answer at'), '$.next');
    await user.selectOptions(screen.getByLabelText('Paging (optional)'), 'page');
    const last = JSON.parse(values.at(-1) ?? '{}') as { baseUrl: string; collections: { list: { paging: unknown } }[] };
    expect(last.baseUrl).toBe('https://api.example.com');
    expect(last.collections[0]?.list.paging).toEqual({ style: 'page' });
  });

  it('a file that is not a profile is refused by name and the form keeps what it had; invalid JSON typed shows only the JSON with why', async () => {
    render(<Harness initial={JSON.stringify({ name: 'Kept', baseUrl: 'https://x', auth: { kind: 'none' }, collections: [] })} />);
    const user = userEvent.setup();
    await user.upload(screen.getByLabelText('Profile file to import'), new File(['not json'], 'bad.json', { type: 'application/json' }));
    expect(await screen.findByText(/^bad\.json: The profile is not valid JSON/)).toBeTruthy();
    expect((screen.getByLabelText('App name') as HTMLInputElement).value).toBe('Kept');

    const json = screen.getByLabelText('The profile as JSON');
    await user.clear(json);
    await user.type(json, '{{"name": ');
    expect(screen.getByRole('alert').textContent).toContain('The form shows again once the JSON below is valid.');
    expect(screen.queryByLabelText('App name')).toBeNull();
  });

  it('imports a profile file into the form', async () => {
    render(<Harness />);
    const user = userEvent.setup();
    const file = JSON.stringify({ name: 'Pipedrive persons', baseUrl: 'https://api.pipedrive.com/v1', auth: { kind: 'api-key', in: 'query', name: 'api_token' }, collections: [{ name: 'persons', list: { path: '/persons' }, get: { path: '/persons/{id}' } }] });
    await user.upload(screen.getByLabelText('Profile file to import'), new File([file], 'pipedrive.json', { type: 'application/json' }));
    const app = screen.getByRole('group', { name: 'App' });
    expect(await within(app).findByDisplayValue('Pipedrive persons')).toBeTruthy();
    expect((within(app).getByLabelText('Header or parameter name') as HTMLInputElement).value).toBe('api_token');
  });
});
