import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

const SECRET_FILE = 'secret.key';
// Shorter secrets are refused: the AES key is derived from it, and a guessable one
// would make every stored key ciphertext readable.
const MIN_SECRET_LENGTH = 32;

/** Where the generated server secret is kept for a data directory. */
export function serverSecretPath(dataDir: string): string {
  return path.join(dataDir, SECRET_FILE);
}

/**
 * The server secret: `DATAGATE_SECRET` when set, else a random one generated once into
 * `<dataDir>/secret.key` with mode 0600 and reused after.
 */
export function loadServerSecret(dataDir: string, fromEnv: string | undefined): string {
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < MIN_SECRET_LENGTH) {
      throw new Error(`DATAGATE_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
    }
    return fromEnv;
  }
  const file = path.join(dataDir, SECRET_FILE);
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  try {
    // 'wx' fails if another process created it first; then theirs is the one to use.
    fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(file, 'utf8').trim();
    throw e;
  }
}
