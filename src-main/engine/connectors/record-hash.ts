import { createHash } from 'node:crypto';

/**
 * A content hash of a record's raw fields, used as its version where the app has none.
 * Keys are sorted so the same content always hashes the same (PITFALLS 13); values keep their
 * raw type, because a version must change whenever the stored value changes.
 */
export function recordHash(fields: Record<string, unknown>): string {
  const sorted = Object.keys(fields)
    .sort()
    .map((k) => [k, fields[k] === undefined ? null : fields[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('base64url').slice(0, 22);
}
