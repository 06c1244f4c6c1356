import net from 'node:net';

/**
 * Where a key may be used from: its allowlist of networks (CIDR) and the browser origins
 * that may read its answers (CORS). Pure parsing and matching; no I/O.
 */

// A key is used from a handful of offices, servers or cloud ranges; 100 networks covers a
// provider's published list and keeps the check a short walk.
export const MAX_ALLOW_IPS = 100;
// A key serves a few web apps (production, staging, a developer's localhost); 20 is ample.
export const MAX_CORS_ORIGINS = 20;
// The longest IPv6 text with a prefix is 49 characters; an origin with a 253-character
// host and a port fits in 270. Longer entries are refused before they are parsed.
const MAX_ENTRY_LENGTH = 300;

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });

/** `"…"` with control characters shown, so a message never carries a raw newline. */
const quote = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);

/** An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as its IPv4 address; any other text unchanged. */
export function unmapAddress(ip: string): string {
  if (ip.length > 7 && (ip.startsWith('::ffff:') || ip.startsWith('::FFFF:'))) {
    const v4 = ip.slice(7);
    if (v4Value(v4) >= 0) return v4;
    // ::ffff:7f00:1, the same address written in hex.
    const m = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(v4);
    if (m) {
      const hi = parseInt(m[1], 16);
      const lo = parseInt(m[2], 16);
      return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
    }
  }
  return ip;
}

/** The eight 16-bit groups of a valid IPv6 address (already checked with `net.isIPv6`). */
function v6Groups(addr: string): number[] {
  let text = addr;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    // A dotted IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) is the last two groups.
    const b = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const hs = head === '' ? [] : head.split(':').map((g) => parseInt(g, 16));
  const rs = rest === undefined || rest === '' ? [] : rest.split(':').map((g) => parseInt(g, 16));
  const zeros = rest === undefined ? [] : new Array<number>(8 - hs.length - rs.length).fill(0);
  return [...hs, ...zeros, ...rs];
}

/** RFC 5952 text of eight groups: lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
function v6Text(g: readonly number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = g.map((n) => n.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/**
 * One allowlist entry as it is kept: `a.b.c.d/n` or `<RFC 5952 IPv6>/n`; a bare address is
 * /32 or /128, an IPv4-mapped IPv6 one is its IPv4 network. Bits past the prefix must be 0.
 * @example parseCidr('2001:DB8::/32') // { ok: true, value: '2001:db8::/32' }
 */
export function parseCidr(raw: string): Parsed<string> {
  const text = raw.trim();
  if (text === '') return fail('an empty entry is not an address');
  if (text.length > MAX_ENTRY_LENGTH) return fail(`${quote(text)} is too long for an address`);
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? undefined : text.slice(slash + 1);
  const bad = () =>
    fail(`${quote(text)} is not an IPv4 or IPv6 address or CIDR (such as 203.0.113.0/24 or 2001:db8::/32)`);
  if (prefixText !== undefined && !/^(0|[1-9]\d{0,2})$/.test(prefixText)) return bad();
  if (net.isIPv4(addr)) {
    const prefix = prefixText === undefined ? 32 : Number(prefixText);
    if (prefix > 32) return fail(`${quote(text)}: an IPv4 prefix is at most /32`);
    return v4Network(text, addr, prefix);
  }
  // Zone ids (fe80::1%eth0) name an interface of one machine, not a network.
  if (!net.isIPv6(addr) || addr.includes('%')) return bad();
  const prefix = prefixText === undefined ? 128 : Number(prefixText);
  if (prefix > 128) return fail(`${quote(text)}: an IPv6 prefix is at most /128`);
  const g = v6Groups(addr);
  if (g.slice(0, 5).every((n) => n === 0) && g[5] === 0xffff && prefix >= 96) {
    const v4 = `${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
    return v4Network(text, v4, prefix - 96);
  }
  let rest = prefix;
  const network = g.map((n) => {
    const keep = Math.max(0, Math.min(16, rest));
    rest -= 16;
    return keep === 16 ? n : n & (0xffff << (16 - keep)) & 0xffff;
  });
  if (network.some((n, i) => n !== g[i])) {
    return fail(`${quote(text)} has bits set past /${prefix}: the network is ${v6Text(network)}/${prefix}`);
  }
  return { ok: true, value: `${v6Text(g)}/${prefix}` };
}

function v4Network(text: string, addr: string, prefix: number): Parsed<string> {
  const n = addr.split('.').reduce((acc, b) => acc * 256 + Number(b), 0);
  const size = 2 ** (32 - prefix);
  const network = n - (n % size);
  if (network !== n) {
    const t = [24, 16, 8, 0].map((s) => Math.floor(network / 2 ** s) % 256).join('.');
    return fail(`${quote(text)} has bits set past /${prefix}: the network is ${t}/${prefix}`);
  }
  return { ok: true, value: `${addr}/${prefix}` };
}

/**
 * A browser origin as it is kept and compared: `scheme://host[:port]`, http or https,
 * lower case, without the scheme's default port; no path, query, user or wildcard.
 * @example parseOrigin('https://App.example.com:443') // { ok: true, value: 'https://app.example.com' }
 */
export function parseOrigin(raw: string): Parsed<string> {
  const text = raw.trim();
  const want = 'must be scheme://host[:port] with http or https and no path, such as https://app.example.com';
  if (text === '') return fail(`an empty origin ${want}`);
  if (text.length > MAX_ENTRY_LENGTH) return fail(`${quote(text)} is too long for an origin`);
  if (text === '*') return fail(`"*" would let every site read the key's answers; list the origins one by one`);
  if (text.toLowerCase() === 'null')
    return fail(`"null" is the origin of sandboxed and local pages; it can't be listed`);
  const m = /^(https?):\/\/([^/?#@\\\s]+)$/i.exec(text);
  if (!m || m[2].includes('*')) return fail(`${quote(text)} ${want}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(`${quote(text)} ${want}`);
  }
  if (url.origin === 'null' || url.hostname === '' || url.username !== '' || url.password !== '') {
    return fail(`${quote(text)} ${want}`);
  }
  return { ok: true, value: url.origin };
}

/** Each entry parsed, duplicates dropped, at most `max`; the first bad entry is the message. */
function parseList(
  list: readonly string[],
  parse: (s: string) => Parsed<string>,
  max: number,
  what: string,
  plural: string,
): Parsed<string[]> {
  const out: string[] = [];
  for (const raw of list) {
    if (typeof raw !== 'string') return fail(`each ${what} must be a string`);
    const p = parse(raw);
    if (!p.ok) return p;
    if (!out.includes(p.value)) out.push(p.value);
  }
  if (out.length > max) return fail(`at most ${max} ${plural}, got ${out.length}`);
  return { ok: true, value: out };
}

/** An allowlist (empty: any address), each entry checked and kept in its canonical form. */
export const parseAllowIps = (list: readonly string[]) =>
  parseList(list, parseCidr, MAX_ALLOW_IPS, 'address', 'addresses');

/** A list of CORS origins (empty: none), each entry checked and kept in its canonical form. */
export const parseCorsOrigins = (list: readonly string[]) =>
  parseList(list, parseOrigin, MAX_CORS_ORIGINS, 'origin', 'origins');

/** Whether an address may use the key; built once per snapshot, checked on every request. */
export interface AddressCheck {
  allows(ip: string | undefined): boolean;
}

/** The 32-bit value of a dotted IPv4 address as `net.isIPv4` accepts it (no leading zeros); -1 otherwise. */
function v4Value(ip: string): number {
  let value = 0;
  let octet = -1;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= ip.length; i++) {
    const c = i < ip.length ? ip.charCodeAt(i) : 46; // a final '.' closes the last octet
    if (c === 46) {
      if (digits === 0 || octet > 255 || ++parts > 4) return -1;
      value = value * 256 + octet;
      octet = -1;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return -1;
      octet = (octet < 0 ? 0 : octet * 10) + (c - 48);
      if (++digits > 3) return -1;
    } else return -1;
  }
  return parts === 4 ? value : -1;
}

/** Whether the first `prefix` bits of two groups lists agree. */
function v6Within(g: readonly number[], net: readonly number[], prefix: number): boolean {
  for (let i = 0, rest = prefix; rest > 0; i++, rest -= 16) {
    const mask = rest >= 16 ? 0xffff : (0xffff << (16 - rest)) & 0xffff;
    if ((g[i] & mask) !== net[i]) return false;
  }
  return true;
}

/**
 * The allowlist as a matcher, or null for "any address". Entries that no longer parse are
 * skipped, so a damaged list refuses more, never less. IPv4 (and IPv4-mapped IPv6) peers
 * are matched on 32-bit numbers, IPv6 ones on their groups: a few tens of nanoseconds,
 * where `net.BlockList.check` spends about 5 µs (it builds a SocketAddress per call), a
 * tenth of a cached page's whole answer. The unit tests check both agree.
 */
export function compileAllowList(cidrs: readonly string[]): AddressCheck | null {
  if (cidrs.length === 0) return null;
  const v4: { net: number; mask: number }[] = [];
  const v6: { groups: number[]; prefix: number }[] = [];
  for (const c of cidrs) {
    const p = parseCidr(c);
    if (!p.ok) continue;
    const [addr, prefixText] = p.value.split('/');
    const prefix = Number(prefixText);
    // A mask of `prefix` one bits; >>> 0 keeps both sides unsigned 32-bit numbers.
    if (net.isIPv4(addr)) v4.push({ net: v4Value(addr), mask: prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0 });
    else v6.push({ groups: v6Groups(addr), prefix });
  }
  return Object.freeze({
    allows(ip: string | undefined): boolean {
      if (ip === undefined) return false;
      const a = unmapAddress(ip);
      const n = v4Value(a);
      if (n >= 0) {
        for (const r of v4) if ((n & r.mask) >>> 0 === r.net) return true;
        return false;
      }
      if (v6.length === 0 || a.includes('%') || !net.isIPv6(a)) return false;
      const g = v6Groups(a);
      for (const r of v6) if (v6Within(g, r.groups, r.prefix)) return true;
      return false;
    },
  });
}

/** A stored JSON list of strings; anything else reads as `fallback`. */
export function parseStoredList(json: string, fallback: string[]): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : fallback;
  } catch {
    return fallback;
  }
}
