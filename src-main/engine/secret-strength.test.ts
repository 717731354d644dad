// Issue 13 §2, "Weak secrets are accepted": a 16-character token of one letter and a 12-character
// file key were taken. Random secrets of the usual generators pass; made-up ones do not.
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { newToken } from './server/auth';
import { estimateSecretBits, secretWeakness } from './secret-strength';

it('refuses short secrets, one repeated letter, few characters and sequences', () => {
  expect(secretWeakness('a'.repeat(16))).toMatch(/16 characters; at least 32/);
  expect(secretWeakness('abcdefghijkl')).toMatch(/12 characters/);
  expect(secretWeakness('a'.repeat(64))).toMatch(/only 1 different/);
  expect(secretWeakness('ab'.repeat(32))).toMatch(/only 2 different/);
  expect(secretWeakness('abcdefghijklmnopqrstuvwxyz0123456789')).toMatch(/too predictable/);
  expect(secretWeakness('12345678901234567890123456789012345678')).toMatch(/too predictable/);
  expect(secretWeakness('passwordpasswordpasswordpassword')).toMatch(/too predictable|different/);
});

it('accepts what concord token create, openssl rand -base64 32 and -hex 32 make, every time', () => {
  for (let i = 0; i < 500; i++) {
    expect(secretWeakness(newToken())).toBeNull();
    expect(secretWeakness(randomBytes(32).toString('base64'))).toBeNull();
    expect(secretWeakness(randomBytes(32).toString('hex'))).toBeNull();
  }
  expect(estimateSecretBits(newToken())).toBeGreaterThanOrEqual(200);
});
