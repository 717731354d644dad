/**
 * Whether a secret someone chose (an access token, the credentials file's key) is strong enough
 * to stand on a network: at least 32 characters and an estimated 128 bits, so that guessing it
 * is hopeless even without the login backoff. The estimate is deliberately simple and errs on the
 * side of refusing: the length times the bits per character of the smallest alphabet the secret
 * fits (digits, hex, letters, base64, any printable), capped by how varied its characters are, so
 * one letter repeated, `abababab…` or `1234…` do not pass on length alone. A random token from
 * `concord token create` (or `openssl rand -base64 32`) passes with a wide margin.
 */
export const MIN_SECRET_LENGTH = 32;
export const MIN_SECRET_BITS = 128;

const ALPHABETS: readonly { test: RegExp; size: number }[] = [
  { test: /^[0-9]*$/, size: 10 },
  { test: /^[0-9a-f]*$/i, size: 16 },
  { test: /^[a-z]*$/i, size: 52 },
  { test: /^[A-Za-z0-9_-]*$/, size: 64 },
  { test: /^[A-Za-z0-9+/=]*$/, size: 65 },
];

/** Shannon entropy of the secret's own characters, in bits per character. */
function varietyBits(secret: string): number {
  const counts = new Map<string, number>();
  for (const ch of secret) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  const n = [...secret].length;
  for (const c of counts.values()) bits -= (c / n) * Math.log2(c / n);
  return bits;
}

/**
 * The share of characters inside runs of three or more that step by +1 or −1 (`abcd`, `1234`,
 * `9876`). Single steps are left alone: a random secret has plenty of them.
 */
function sequenceShare(secret: string): number {
  const step = (i: number) => secret.charCodeAt(i) - secret.charCodeAt(i - 1);
  const inRun = new Set<number>();
  for (let i = 2; i < secret.length; i++) {
    const a = step(i - 1);
    if ((a === 1 || a === -1) && step(i) === a) [i - 2, i - 1, i].forEach((j) => inRun.add(j));
  }
  return secret.length > 0 ? inRun.size / secret.length : 0;
}

/** Estimated bits of a secret (see the module comment). */
export function estimateSecretBits(secret: string): number {
  const length = [...secret].length;
  const alphabet = ALPHABETS.find((a) => a.test.test(secret))?.size ?? 95;
  // A random secret's characters are about as varied as its alphabet allows; a made-up one is not.
  // The +1 keeps a random 32-character hex string (variety ≈ 3.6 bits) at the 128 bits it has.
  const perChar = Math.min(Math.log2(alphabet), varietyBits(secret) + 1);
  return Math.floor(length * perChar * (1 - sequenceShare(secret)));
}

/** Why the secret is too weak, in words a user can act on, or null when it is strong enough. */
export function secretWeakness(secret: string): string | null {
  const length = [...secret].length;
  if (length < MIN_SECRET_LENGTH) return `it has ${length} characters; at least ${MIN_SECRET_LENGTH} are needed`;
  const distinct = new Set(secret).size;
  if (distinct < 8) return `it uses only ${distinct} different characters`;
  const bits = estimateSecretBits(secret);
  if (bits < MIN_SECRET_BITS) return `it is too predictable (about ${bits} bits of randomness; at least ${MIN_SECRET_BITS} are needed)`;
  return null;
}
