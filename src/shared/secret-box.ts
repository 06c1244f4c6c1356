import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** Encrypts and decrypts short secrets with AES-256-GCM under a key derived from the server secret. */
export interface SecretBox {
  encrypt(secret: string): string;
  decrypt(box: string): string;
}

/**
 * A box whose AES key is derived from the server secret with HKDF for one `purpose`, so
 * that the raw secret is never used directly and each kind of secret has its own key.
 * @example createSecretBox(serverSecret, 'source-credentials').encrypt('postgres://u:pw@db/x')
 */
export function createSecretBox(serverSecret: string, purpose: string): SecretBox {
  const key = Buffer.from(hkdfSync('sha256', serverSecret, 'datagate', purpose, 32));
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
