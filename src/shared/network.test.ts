import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import {
  compileAllowList,
  MAX_ALLOW_IPS,
  MAX_CORS_ORIGINS,
  parseAllowIps,
  parseCidr,
  parseCorsOrigins,
  parseOrigin,
  parseStoredList,
  unmapAddress,
} from './network.ts';

const value = <T>(p: { ok: true; value: T } | { ok: false; message: string }): T => {
  if (!p.ok) assert.fail(p.message);
  return p.value;
};
const message = (p: { ok: true; value: unknown } | { ok: false; message: string }): string => {
  if (p.ok) assert.fail(`accepted as ${JSON.stringify(p.value)}`);
  return p.message;
};

describe('parseCidr', () => {
  it('keeps networks in canonical form; a bare address is /32 or /128', () => {
    const cases: [string, string][] = [
      ['203.0.113.0/24', '203.0.113.0/24'],
      [' 198.51.100.7 ', '198.51.100.7/32'],
      ['0.0.0.0/0', '0.0.0.0/0'],
      ['2001:DB8::/32', '2001:db8::/32'],
      ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1/128'],
      ['2001:db8:0:0:1:0:0:0/80', '2001:db8:0:0:1::/80'],
      ['::1', '::1/128'],
      ['::/0', '::/0'],
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8/128'],
      ['64:ff9b::192.0.2.1', '64:ff9b::c000:201/128'],
      // IPv4-mapped IPv6: the IPv4 network it stands for.
      ['::ffff:192.0.2.1', '192.0.2.1/32'],
      ['::FFFF:c000:0201', '192.0.2.1/32'],
      ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ];
    for (const [raw, want] of cases) assert.equal(value(parseCidr(raw)), want, raw);
  });

  it('refuses anything else, naming the entry', () => {
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['ten.0.0.1', /^"ten\.0\.0\.1" is not an IPv4 or IPv6 address or CIDR/],
      ['10.0.0.256', /"10\.0\.0\.256" is not/],
      ['010.0.0.1', /"010\.0\.0\.1" is not/],
      ['10.0.0', /"10\.0\.0" is not/],
      ['10.0.0.0/', /"10\.0\.0\.0\/" is not/],
      ['10.0.0.0/08', /"10\.0\.0\.0\/08" is not/],
      ['10.0.0.0/-1', /is not/],
      ['10.0.0.0/8/8', /is not/],
      ['10.0.0.1/33', /"10\.0\.0\.1\/33": an IPv4 prefix is at most \/32/],
      ['2001:db8::/129', /an IPv6 prefix is at most \/128/],
      ['10.0.0.5/8', /"10\.0\.0\.5\/8" has bits set past \/8: the network is 10\.0\.0\.0\/8/],
      ['2001:db8::1/32', /has bits set past \/32: the network is 2001:db8::\/32/],
      ['fe80::1%eth0', /"fe80::1%eth0" is not/],
      ['1:2:3:4:5:6:7:8:9', /is not/],
      ['*', /"\*" is not/],
      ['any', /"any" is not/],
      ['x'.repeat(400), /too long/],
    ];
    for (const [raw, want] of cases) assert.match(message(parseCidr(raw)), want, raw);
    // A newline inside an entry is shown escaped, never raw.
    assert.doesNotMatch(message(parseCidr('10.0.0.1\nx')), /\n/);
  });
});

describe('parseOrigin', () => {
  it('keeps the origin as a browser serialises it', () => {
    const cases: [string, string][] = [
      ['https://app.example.com', 'https://app.example.com'],
      ['HTTPS://App.Example.COM:443', 'https://app.example.com'],
      ['http://localhost:80', 'http://localhost'],
      ['http://localhost:5173', 'http://localhost:5173'],
      ['https://[::1]:3000', 'https://[::1]:3000'],
      ['http://192.0.2.1:8080', 'http://192.0.2.1:8080'],
      ['https://bücher.example', 'https://xn--bcher-kva.example'],
    ];
    for (const [raw, want] of cases) assert.equal(value(parseOrigin(raw)), want, raw);
  });

  it('refuses wildcards, null, paths, other schemes, credentials', () => {
    const cases: [string, RegExp][] = [
      ['*', /"\*" would let every site read/],
      ['null', /"null" is the origin of sandboxed/],
      ['NULL', /"null" is the origin/],
      ['', /empty/],
      ['https://app.example.com/', /"https:\/\/app\.example\.com\/" must be scheme:\/\/host\[:port\]/],
      ['https://app.example.com/x', /must be/],
      ['https://app.example.com?x=1', /must be/],
      ['https://app.example.com#x', /must be/],
      ['ftp://app.example.com', /must be/],
      ['file:///etc/passwd', /must be/],
      ['javascript:alert(1)', /must be/],
      ['app.example.com', /must be/],
      ['//app.example.com', /must be/],
      ['https://*.example.com', /must be/],
      ['https://user:pw@app.example.com', /must be/],
      ['https://app.example.com:99999', /must be/],
      ['https://', /must be/],
      ['https://app example.com', /must be/],
    ];
    for (const [raw, want] of cases) assert.match(message(parseOrigin(raw)), want, raw);
  });
});

describe('lists', () => {
  it('drop duplicates after canonical form and cap the length', () => {
    assert.deepEqual(value(parseAllowIps(['10.0.0.1', '10.0.0.1/32', '::ffff:10.0.0.1'])), ['10.0.0.1/32']);
    assert.deepEqual(value(parseCorsOrigins(['https://a.example', 'https://A.example:443'])), ['https://a.example']);
    const ips = Array.from({ length: MAX_ALLOW_IPS + 1 }, (_, i) => `10.0.${i}.0/24`);
    assert.equal(value(parseAllowIps(ips.slice(0, MAX_ALLOW_IPS))).length, MAX_ALLOW_IPS);
    assert.match(message(parseAllowIps(ips)), /at most 100 addresses, got 101/);
    const origins = Array.from({ length: MAX_CORS_ORIGINS + 1 }, (_, i) => `https://a${i}.example`);
    assert.match(message(parseCorsOrigins(origins)), /at most 20 origins, got 21/);
    assert.match(message(parseAllowIps(['10.0.0.0/8', 'junk'])), /"junk"/, 'the first bad entry is named');
    assert.match(message(parseAllowIps([5 as unknown as string])), /must be a string/);
  });

  it('a stored list that is not a JSON list of strings reads as the fallback', () => {
    assert.deepEqual(parseStoredList('["a"]', []), ['a']);
    for (const bad of ['', '{', '{}', '[1]', 'null']) assert.deepEqual(parseStoredList(bad, ['x']), ['x'], bad);
  });
});

describe('compileAllowList', () => {
  it('is null (any address) for an empty list', () => {
    assert.equal(compileAllowList([]), null);
  });

  it('matches IPv4 and IPv6 networks, IPv4-mapped peers as IPv4, and nothing that is not an address', () => {
    const c = compileAllowList(['203.0.113.0/24', '198.51.100.7/32', '2001:db8:abcd::/48'])!;
    const allowed = ['203.0.113.0', '203.0.113.255', '198.51.100.7', '::ffff:203.0.113.9', '::ffff:cb00:7109'];
    for (const ip of [...allowed, '2001:db8:abcd::', '2001:db8:abcd:ffff::1', '2001:DB8:ABCD::1']) {
      assert.equal(c.allows(ip), true, ip);
    }
    const refused = ['203.0.112.255', '203.0.114.0', '198.51.100.6', '198.51.100.8', '::ffff:8.8.8.8'];
    for (const ip of [...refused, '2001:db8:abce::', '::1', '::', '0.0.0.0', '', 'junk', '203.0.113.1/24', undefined]) {
      assert.equal(c.allows(ip), false, String(ip));
    }
  });

  it('reads a peer address only as net.isIP does: no leading zeros, four octets, nothing around', () => {
    const c = compileAllowList(['0.0.0.0/0', '::/0'])!;
    for (const ip of ['0.0.0.0', '255.255.255.255', '1.2.3.4', '::', 'ffff::1']) assert.equal(c.allows(ip), true, ip);
    const junk = ['010.0.0.1', '1.2.3', '1.2.3.4.5', ' 1.2.3.4', '1.2.3.4 ', '256.0.0.1', '1..2.3', '1.2.3.', '.1.2.3'];
    for (const ip of [...junk, '1.2.3.4/32', '1.2.3.1000', 'fe80::1%eth0', ':::', '1:2:3:4:5:6:7:8:9', '0x1.2.3.4']) {
      assert.equal(c.allows(ip), false, ip);
    }
  });

  it('agrees with net.BlockList on random networks and addresses, IPv4 and IPv6', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const v4 = () => [rand(256), rand(256), rand(4), rand(256)].join('.');
    const v6 = () => [
      '2001',
      'db8',
      rand(4).toString(16),
      ...Array.from({ length: 5 }, () => rand(65536).toString(16)),
    ];
    const seen = new Set<string>();
    for (let round = 0; round < 40; round++) {
      const list = new net.BlockList();
      const cidrs: string[] = [];
      for (let i = 0; i < 4; i++) {
        const six = rand(2) === 1;
        const prefix = six ? rand(129) : rand(33);
        // The network of a random address: parseCidr names it in its message when bits are set.
        const raw = `${six ? v6().join(':') : v4()}/${prefix}`;
        const p = parseCidr(raw);
        const cidr = p.ok ? p.value : /the network is (\S+)$/.exec(p.message)![1];
        cidrs.push(cidr);
        const [addr, bits] = cidr.split('/');
        list.addSubnet(addr, Number(bits), six ? 'ipv6' : 'ipv4');
      }
      const c = compileAllowList(cidrs)!;
      for (let i = 0; i < 200; i++) {
        const six = rand(2) === 1;
        const ip = six ? v6().join(':') : v4();
        const want = list.check(ip, six ? 'ipv6' : 'ipv4');
        assert.equal(c.allows(ip), want, `${ip} in ${cidrs.join(', ')}`);
        seen.add(`${six ? 6 : 4}${want}`);
      }
    }
    assert.deepEqual([...seen].sort(), ['4false', '4true', '6false', '6true'], 'both answers, both families');
  });

  it('an entry that does not parse matches nothing, so a damaged list refuses every address', () => {
    const c = compileAllowList(['unreadable'])!;
    assert.ok(c !== null);
    for (const ip of ['10.0.0.1', '::1', '127.0.0.1']) assert.equal(c.allows(ip), false);
  });

  it('unmapAddress turns only IPv4-mapped IPv6 into IPv4', () => {
    assert.equal(unmapAddress('::ffff:192.0.2.1'), '192.0.2.1');
    assert.equal(unmapAddress('::ffff:7f00:1'), '127.0.0.1');
    assert.equal(unmapAddress('::1'), '::1');
    assert.equal(unmapAddress('64:ff9b::192.0.2.1'), '64:ff9b::192.0.2.1');
    assert.equal(unmapAddress('::ffff:junk'), '::ffff:junk');
  });
});
