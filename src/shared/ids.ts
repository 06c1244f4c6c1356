import { randomBytes } from 'node:crypto';

const SPAN = 9n * 10n ** 18n;
const FLOOR = 10n ** 18n;

/** A new resource id: a random 19-digit decimal string, as the reference API uses. */
export function newId(): string {
  return ((randomBytes(8).readBigUInt64BE() % SPAN) + FLOOR).toString();
}
