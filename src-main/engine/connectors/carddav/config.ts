/**
 * A CardDAV connection's settings: the server (or one address book's) URL, how to log in, and the
 * password or token, which goes to the keychain. The form, its check and its messages come from this.
 */
import { z } from 'zod';
import { field, secret, text } from '../config-schema';

export const cardDavConfig = z
  .object({
    serverUrl: text(
      {
        label: 'Server URL',
        placeholder: 'https://dav.example.com/',
        help: 'The CardDAV server’s address: Concord finds your address books (through /.well-known/carddav). Or one address book’s own URL.',
      },
      z.string().refine((s) => /^https?:\/\/[^/\s]+/i.test(s), { message: 'Give the server’s address starting with https:// (or http:// on your own network), e.g. https://dav.example.com/.' }),
    ),
    auth: field(z.enum(['basic', 'bearer']), {
      label: 'Log in with',
      optionLabels: { basic: 'User name and password', bearer: 'Access token (bearer)' },
    }).default('basic'),
    username: text({ label: 'User name', showWhen: { key: 'auth', in: ['basic'] } }).optional(),
    password: secret({ label: 'Password or token', help: 'Kept in the system keychain, never in Concord’s files. An app password works where the server asks for one.' }).optional(),
  })
  .check((ctx) => {
    if (ctx.value.auth === 'basic' && !ctx.value.username) ctx.issues.push({ code: 'custom', input: ctx.value, path: ['username'], message: 'Fill in the user name you log in to the CardDAV server with.' });
  });

export type CardDavConfig = { serverUrl: string; auth?: 'basic' | 'bearer' | undefined; username?: string | undefined };
