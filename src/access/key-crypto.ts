import { createHash, randomBytes } from 'node:crypto';
import { createSecretBox, type SecretBox } from '../shared/secret-box.ts';

/** Every key starts with this, so that secret scanners and people recognise one. */
export const KEY_PREFIX = 'dgk_';
// 20 random bytes = 160 bits, above the 128 the threat model asks for, as 40 hex digits.
const KEY_BYTES = 20;
const KEY_PATTERN = /^dgk_[0-9a-f]{40}$/;

/** A fresh API key secret: `dgk_` and 40 hex digits. */
export function generateKeySecret(): string {
  return KEY_PREFIX + randomBytes(KEY_BYTES).toString('hex');
}

/** Whether a presented string could be a key at all (saves a hash on junk). */
export function looksLikeKey(s: string): boolean {
  return KEY_PATTERN.test(s);
}

/** The look-up hash stored instead of the key: SHA-256, hex. */
export function hashKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A short, safe-to-show reminder of a key: prefix and last four digits. */
export function keyHint(secret: string): string {
  return `${KEY_PREFIX}…${secret.slice(-4)}`;
}

/** Encrypts and decrypts key secrets with AES-256-GCM under a key derived from the server secret. */
export type KeyCipher = SecretBox;

/** Derives the AES key from the server secret with HKDF, so that the raw secret is never used directly. */
export function createKeyCipher(serverSecret: string): KeyCipher {
  return createSecretBox(serverSecret, 'api-key-encryption');
}
