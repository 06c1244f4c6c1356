import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

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
export interface KeyCipher {
  encrypt(secret: string): string;
  decrypt(box: string): string;
}

/** Derives the AES key from the server secret with HKDF, so that the raw secret is never used directly. */
export function createKeyCipher(serverSecret: string): KeyCipher {
  const key = Buffer.from(hkdfSync('sha256', serverSecret, 'datagate', 'api-key-encryption', 32));
  return {
    encrypt(secret) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(secret, 'utf8'), c.final()]);
      return `v1.${Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url')}`;
    },
    decrypt(box) {
      if (!box.startsWith('v1.')) throw new Error('unknown key cipher format');
      const buf = Buffer.from(box.slice(3), 'base64url');
      const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
      d.setAuthTag(buf.subarray(12, 28));
      return Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8');
    },
  };
}
