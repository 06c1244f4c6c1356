import { randomBytes } from 'node:crypto';

const SPAN = 9n * 10n ** 18n;
const FLOOR = 10n ** 18n;

/** A new resource id: a random 19-digit decimal string, as the reference API uses. */
export function newId(): string {
  return ((randomBytes(8).readBigUInt64BE() % SPAN) + FLOOR).toString();
}

/** Whether `s` has the shape of an id: ids are URL-safe by construction. */
export function isIdShaped(s: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(s);
}
