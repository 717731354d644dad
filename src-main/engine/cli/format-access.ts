/** How `concord token …` and `concord sessions …` print tokens and sessions. */
import type { AccessTokenInfo, SessionInfo } from '../api/model';

export function formatTokens(tokens: readonly AccessTokenInfo[]): string {
  if (tokens.length === 0) return 'No named tokens. Make one with `concord token create --name NAME` (the token `serve` prints at start is not listed).';
  return tokens.map((t) => `${t.name}${t.admin ? ' (admin)' : ''}  id ${t.id}  made ${t.createdAt}  last used ${t.lastUsedAt ?? 'never'}`).join('\n');
}

export function formatNewToken(name: string, token: string, admin: boolean): string {
  return [
    `Token "${name}"${admin ? ' (admin: may manage tokens and sessions)' : ''}:`,
    `  ${token}`,
    'It is shown this once; Concord keeps only a digest. Give it to serve with CONCORD_TOKEN or --token-file,',
    'send it as "Authorization: Bearer …", or open the server\'s address with ?token=… in a browser.',
  ].join('\n');
}

export function formatSessions(sessions: readonly SessionInfo[]): string {
  if (sessions.length === 0) return 'No live browser sessions.';
  return sessions
    .map((s) => `${s.id}  ${s.tokenName}${s.admin ? ' (admin)' : ''}  from ${s.address ?? 'unknown'}  since ${s.createdAt}  last seen ${s.lastSeenAt}  ends ${s.expiresAt}`)
    .join('\n');
}
