/**
 * The REST/JSON connector's settings: the app profile as JSON text (the wizard's text field
 * carries it; a form over it is the wizard's later step), an optional base URL that overrides the
 * profile's (a self-hosted app, a sandbox), and the one secret — the API key, token, password,
 * OAuth client secret or refresh token the profile's auth needs — in the keychain.
 *
 * Capabilities are static per connector kind, so the profile's rate limit is applied per HTTP
 * request inside the connector (http.ts), and deletes are declared 'by-scan': a profile that
 * reports deletes (flag, endpoint) still gets the periodic full reconciliation, which is safe.
 */
import { z } from 'zod';
import { defineConnector } from '../config-check';
import { field, secret, text } from '../config-schema';
import { createRestConnector } from './connector';
import { checkProfile, parseProfile } from './profile';
import { shippedPresets } from './profiles';

const profileText = text(
  {
    label: 'App profile (JSON)',
    help: 'What Concord knows about the app: its base URL, auth, list and write endpoints, paging and quirks. Import one of the shipped profiles or paste your own.',
    multiline: true,
    editor: 'app-profile',
  },
  z.string().superRefine((value, ctx) => {
    const checked = checkProfile(value);
    if (!checked.ok) ctx.addIssue({ code: 'custom', message: `The app profile needs attention: ${checked.issues.map((i) => i.message).join(' ')}` });
  }),
);

export const restConfig = z.object({
  profile: profileText,
  baseUrl: text(
    { label: 'Base URL', help: "Leave empty to use the profile's. Set it for a self-hosted app or a sandbox.", placeholder: 'https://api.example.com/v1' },
    z.string().superRefine((u, ctx) => {
      let ok = false;
      try {
        ok = ['http:', 'https:'].includes(new URL(u).protocol);
      } catch {
        ok = false;
      }
      if (!ok) ctx.addIssue({ code: 'custom', message: `Base URL must be a full http:// or https:// address (not "${u}").` });
    }),
  ).optional(),
  secret: secret({ label: 'API key, token or password', help: 'Whatever the profile’s auth needs. It goes to your system’s keychain.' }).optional(),
  maxWaitSeconds: field(z.number().min(0).max(60), { label: 'Wait out short rate limits (seconds)', help: 'A 429 asking for a pause up to this long is waited out; a longer one pauses the side.' }).optional(),
});

export const restDefinition = defineConnector({
  kind: 'rest',
  label: 'Web app (REST/JSON)',
  description: 'Any web app with a REST/JSON API, described by an app profile: auth, paging, modified-since, ETags, deletes and rate limits.',
  configSchema: restConfig,
  capabilities: { changeDetection: ['cursor', 'hash'], realtime: 'poll', realtimeModes: ['cursor'], deletes: 'by-scan', optimisticWrites: true, writeBatch: 50, maxIdsPerRead: 50, idempotentCreates: false, network: true, maxConcurrentRequests: 4 },
  presets: shippedPresets(),
  create: ({ config, secret: handle }) =>
    createRestConnector({
      profile: parseProfile(config.profile),
      secret: handle,
      ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
      ...(config.maxWaitSeconds !== undefined ? { maxWaitMs: config.maxWaitSeconds * 1000 } : {}),
    }),
});
