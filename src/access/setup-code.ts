import { createHmac, timingSafeEqual } from 'node:crypto';

// The one-time code that claims a fresh server (first admin) from anywhere but the
// loopback address. It is derived from the server secret and the tenant, so every node
// of a deployment prints the same code and a restart keeps it; it stops mattering once
// the tenant has an admin. Eight characters from an alphabet without look-alikes:
// 32^8 ≈ 10^12 codes, and setup attempts are limited per address like sign-ins.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** `XXXX-XXXX` for the tenant named `tenant`. */
export function setupCode(serverSecret: string, tenant: string): string {
  const mac = createHmac('sha256', serverSecret).update(`datagate setup code\u0000${tenant}`).digest();
  let code = '';
  for (let i = 0; i < 8; i++) code += ALPHABET[mac[i] % ALPHABET.length];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** Whether `given` is the tenant's code: case, spaces and the dash do not matter. */
export function isSetupCode(serverSecret: string, tenant: string, given: string): boolean {
  const norm = (s: string) => s.toUpperCase().replace(/[\s-]/g, '');
  const a = Buffer.from(norm(given));
  const b = Buffer.from(norm(setupCode(serverSecret, tenant)));
  return a.length === b.length && timingSafeEqual(a, b);
}
