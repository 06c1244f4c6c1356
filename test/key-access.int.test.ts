import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { signedInAdmin } from './support/admin-client.ts';
import { cliWorkspace, type CliWorkspace } from './support/cli-workspace.ts';
import { startTestServer } from './support/test-server.ts';

const REFUSED = '{"code":403,"msg":"This address is not allowed for this API key.","data":[]}';
const APP = 'https://app.example.com';
const LOCAL = 'http://localhost:5173';

/** Polls `check` until it holds, failing after `ms` (the contract's one second by default). */
async function within(what: string, check: () => Promise<boolean>, ms = 1000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) assert.fail(`${what} did not happen within ${ms} ms`);
    await sleep(20);
  }
}

/** The CORS headers of an answer, absent ones left out. */
function cors(res: LightMyRequestResponse) {
  const out: Record<string, unknown> = {};
  for (const h of ['access-control-allow-origin', 'vary', 'access-control-expose-headers']) {
    if (res.headers[h] !== undefined) out[h] = res.headers[h];
  }
  return out;
}

/** A server with a tickets dataset and an admin; `env` sets its trust in proxies. */
async function setUp(env: Record<string, string> = {}) {
  const t = await startTestServer(env);
  const a = await signedInAdmin(t);
  const tickets = (
    await t.modules.catalog.datasets.importFile(t.tenant.id, {
      file: t.file('t.csv', 'id,summary\n1,Printer\n2,VPN\n'),
      name: 'Tickets',
    })
  ).id;
  /** A new key bound to the tickets; `body` adds to the create request. */
  async function boundKey(body: Record<string, unknown> = {}) {
    const k = await a.ok('POST', '/admin/api/keys', { name: 'k', rateLimit: 1000, ...body });
    await a.ok('POST', `/admin/api/keys/${k.id}/bindings`, { datasets: [tickets] }, 200);
    await t.server.refresh();
    return k as { id: string; key: string; allowIps: string[]; corsOrigins: string[] };
  }
  /** A public request with `key` from the peer `ip`, with extra headers. */
  const pub = (key: string, ip: string, headers: Record<string, string> = {}, url = `/api/dataset/${tickets}`) =>
    t.server.app.inject({ method: 'GET', url, headers: { apikey: key, ...headers }, remoteAddress: ip });
  return { t, a, tickets, boundKey, pub };
}

describe('a key’s address allowlist and CORS origins', () => {
  let s: Awaited<ReturnType<typeof setUp>>;
  before(async () => {
    s = await setUp();
  });
  after(() => s.t.close());

  it('keeps the lists in canonical form, in the key and in every listing', async () => {
    const k = await s.boundKey({
      allowIps: [' 203.0.113.0/24', '2001:DB8:0:0::/32', '198.51.100.7', '::ffff:192.0.2.1', '198.51.100.7'],
      corsOrigins: ['https://App.Example.com:443', 'http://localhost:5173'],
    });
    const want = ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7/32', '192.0.2.1/32'];
    assert.deepEqual(k.allowIps, want);
    assert.deepEqual(k.corsOrigins, [APP, LOCAL]);
    const listed = (await s.a.ok('GET', '/admin/api/keys')).keys.find((x: { id: string }) => x.id === k.id);
    assert.deepEqual([listed.allowIps, listed.corsOrigins], [want, [APP, LOCAL]]);
    const plain = await s.a.ok('POST', '/admin/api/keys', { name: 'plain' });
    assert.deepEqual([plain.allowIps, plain.corsOrigins], [[], []]);
  });

  it('refuses a bad address or origin with 400 INVALID_INPUT naming the entry, and changes nothing', async () => {
    const k = await s.boundKey({ allowIps: ['10.0.0.0/8'], corsOrigins: [APP] });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ allowIps: ['10.0.0.0/8', 'ten.0.0.1'] }, /allowIps: "ten\.0\.0\.1" is not an IPv4 or IPv6 address/],
      [{ allowIps: ['10.0.0.1/33'] }, /allowIps: "10\.0\.0\.1\/33": an IPv4 prefix is at most \/32/],
      [{ allowIps: ['10.0.0.5/8'] }, /allowIps: "10\.0\.0\.5\/8" has bits set past \/8: the network is 10\.0\.0\.0\/8/],
      [{ allowIps: ['2001:db8::/129'] }, /allowIps: "2001:db8::\/129"/],
      [{ allowIps: ['fe80::1%eth0'] }, /allowIps: "fe80::1%eth0"/],
      [{ allowIps: ['*'] }, /allowIps: "\*"/],
      [{ allowIps: [''] }, /allowIps: an empty entry/],
      [{ allowIps: Array.from({ length: 101 }, (_, i) => `10.0.${i}.0/24`) }, /allowIps: at most 100 addresses/],
      [{ allowIps: [7] }, /allowIps/],
      [{ allowIps: '10.0.0.0/8' }, /allowIps/],
      [{ corsOrigins: ['*'] }, /corsOrigins: "\*" would let every site/],
      [{ corsOrigins: ['null'] }, /corsOrigins: "null"/],
      [{ corsOrigins: ['https://app.example.com/'] }, /corsOrigins: "https:\/\/app\.example\.com\/" must be/],
      [{ corsOrigins: ['https://app.example.com/path'] }, /corsOrigins: "https:\/\/app\.example\.com\/path"/],
      [{ corsOrigins: ['ftp://app.example.com'] }, /corsOrigins: "ftp:\/\/app\.example\.com"/],
      [{ corsOrigins: ['app.example.com'] }, /corsOrigins: "app\.example\.com"/],
      [{ corsOrigins: ['https://*.example.com'] }, /corsOrigins: "https:\/\/\*\.example\.com"/],
      [{ corsOrigins: ['https://user:pw@app.example.com'] }, /corsOrigins: "https:\/\/user:pw@app\.example\.com"/],
      [{ corsOrigins: Array.from({ length: 21 }, (_, i) => `https://a${i}.example.com`) }, /at most 20 origins/],
    ];
    for (const [body, message] of cases) {
      for (const res of [
        await s.a.call('PATCH', `/admin/api/keys/${k.id}`, body),
        await s.a.call('POST', '/admin/api/keys', { name: 'bad', ...body }),
      ]) {
        assert.equal(res.statusCode, 400, JSON.stringify(body).slice(0, 80));
        assert.equal(res.json().error.code, 'INVALID_INPUT');
        assert.match(res.json().error.message, message);
      }
    }
    const now = await s.a.ok('GET', `/admin/api/keys/${k.id}`);
    assert.deepEqual([now.allowIps, now.corsOrigins], [['10.0.0.0/8'], [APP]]);
    assert.equal(
      (await s.a.ok('GET', '/admin/api/keys')).keys.filter((x: { name: string }) => x.name === 'bad').length,
      0,
    );
  });

  it('IPv4: inside the list reads, outside is 403 with the exact body, not counted against the limit', async () => {
    const k = await s.boundKey({ allowIps: ['203.0.113.0/24', '198.51.100.7'], rateLimit: 3 });
    assert.equal((await s.pub(k.key, '203.0.113.1')).statusCode, 200);
    assert.equal((await s.pub(k.key, '203.0.113.254')).statusCode, 200);
    assert.equal((await s.pub(k.key, '::ffff:203.0.113.9')).statusCode, 200, 'IPv4-mapped IPv6 peer');
    for (const ip of [
      '203.0.114.1',
      '203.0.112.255',
      '198.51.100.8',
      '10.0.0.1',
      '127.0.0.1',
      '::1',
      '::ffff:8.8.8.8',
    ]) {
      const res = await s.pub(k.key, ip);
      assert.equal(res.statusCode, 403, ip);
      assert.equal(res.body, REFUSED);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(res.headers['x-ratelimit-limit'], undefined, 'refused before the rate limit');
      assert.equal(typeof res.headers['x-request-id'], 'string');
    }
    // Three requests per minute: the seven refusals used none of them.
    assert.equal((await s.pub(k.key, '198.51.100.7')).statusCode, 429);
    assert.equal((await s.pub(k.key, '10.0.0.1', {}, '/api/datasets')).body, REFUSED, 'every public route');
  });

  it('the OData feed refuses an address outside the list too, in its own error body', async () => {
    const k = await s.boundKey({ allowIps: ['203.0.113.0/24'] });
    assert.equal((await s.pub(k.key, '203.0.113.1', {}, '/odata/')).statusCode, 200);
    const res = await s.pub(k.key, '10.0.0.1', {}, '/odata/');
    assert.equal(res.statusCode, 403);
    assert.deepEqual(res.json(), {
      error: { code: 'KEY_ADDRESS_REFUSED', message: 'This address is not allowed for this API key.' },
    });
    assert.equal(res.headers['odata-version'], '4.0');
  });

  it('IPv6: a /48 and a single address; other addresses and IPv4 are refused', async () => {
    const k = await s.boundKey({ allowIps: ['2001:db8:abcd::/48', '2001:db8:ffff::7'] });
    for (const ip of ['2001:db8:abcd::1', '2001:db8:abcd:ffff:ffff:ffff:ffff:ffff', '2001:db8:ffff::7']) {
      assert.equal((await s.pub(k.key, ip)).statusCode, 200, ip);
    }
    for (const ip of ['2001:db8:abce::1', '2001:db8:ffff::8', '::1', '203.0.113.1', '::ffff:203.0.113.1']) {
      const res = await s.pub(k.key, ip);
      assert.equal(res.statusCode, 403, ip);
      assert.equal(res.body, REFUSED);
    }
  });

  it('a changed list applies within a second; [] (any) reads from everywhere again', async () => {
    const k = await s.boundKey();
    assert.equal((await s.pub(k.key, '192.0.2.50')).statusCode, 200);
    await s.a.ok('PATCH', `/admin/api/keys/${k.id}`, { allowIps: ['198.51.100.0/24'] });
    await within('allowlist', async () => (await s.pub(k.key, '192.0.2.50')).statusCode === 403);
    assert.equal((await s.pub(k.key, '198.51.100.3')).statusCode, 200);
    const cleared = await s.a.ok('PATCH', `/admin/api/keys/${k.id}`, { allowIps: [] });
    assert.deepEqual(cleared.allowIps, []);
    await within('any', async () => (await s.pub(k.key, '192.0.2.50')).statusCode === 200);
    const log = await s.a.ok('GET', '/admin/api/audit?action=key.update&size=10');
    const details = log.items.map((e: { detail: string }) => e.detail);
    assert.ok(details.includes('allowed addresses any → 198.51.100.0/24'), details.join(' | '));
    assert.ok(details.includes('allowed addresses 198.51.100.0/24 → any'), details.join(' | '));
  });

  it('a spoofed X-Forwarded-For is ignored when no proxy is trusted', async () => {
    const k = await s.boundKey({ allowIps: ['198.51.100.7'] });
    const res = await s.pub(k.key, '192.0.2.9', { 'x-forwarded-for': '198.51.100.7' });
    assert.equal(res.statusCode, 403);
    assert.equal(res.body, REFUSED);
    assert.equal((await s.pub(k.key, '198.51.100.7', { 'x-forwarded-for': '192.0.2.9' })).statusCode, 200);
  });

  it('a preflight on any /api/ or /odata/ path answers 204 without a key', async () => {
    for (const url of [`/api/dataset/${s.tickets}`, '/api/widget/1', '/api/nowhere', '/odata/', '/odata/$metadata']) {
      const res = await s.t.server.app.inject({
        method: 'OPTIONS',
        url,
        headers: { origin: APP, 'access-control-request-method': 'GET', 'access-control-request-headers': 'apikey' },
      });
      assert.equal(res.statusCode, 204, url);
      assert.equal(res.body, '');
      assert.equal(res.headers['access-control-allow-origin'], APP);
      assert.equal(res.headers['access-control-allow-methods'], 'GET, POST');
      assert.equal(res.headers['access-control-allow-headers'], 'apikey, authorization, content-type');
      assert.equal(res.headers.vary, 'Origin');
      assert.equal(res.headers['access-control-allow-credentials'], undefined);
      assert.equal(typeof res.headers['x-request-id'], 'string');
    }
    // An origin no browser sends is not echoed; the preflight still answers.
    for (const origin of ['null', 'https://evil.example.com/', 'javascript:alert(1)', undefined]) {
      const res = await s.t.server.app.inject({
        method: 'OPTIONS',
        url: '/api/datasets',
        headers: origin === undefined ? {} : { origin },
      });
      assert.equal(res.statusCode, 204);
      assert.equal(res.headers['access-control-allow-origin'], undefined, String(origin));
    }
    const admin = await s.t.server.app.inject({ method: 'OPTIONS', url: '/admin/api/keys', headers: { origin: APP } });
    assert.notEqual(admin.statusCode, 204, 'the admin API answers no preflight');
    assert.equal(admin.headers['access-control-allow-origin'], undefined);
  });

  it('an answer carries Access-Control-Allow-Origin only for a listed origin, as a browser sends it', async () => {
    const k = await s.boundKey({ corsOrigins: [APP, LOCAL] });
    for (const origin of [APP, LOCAL]) {
      const res = await s.pub(k.key, '192.0.2.1', { origin });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['access-control-allow-origin'], origin);
      assert.equal(res.headers.vary, 'Origin');
      assert.match(String(res.headers['access-control-expose-headers']), /X-Total-Count/);
    }
    for (const origin of [
      'https://APP.example.com',
      'https://app.example.com:443',
      'https://app.example.com/',
      'http://app.example.com',
      'https://app.example.com.evil.com',
      'https://evil.example.com',
      'http://localhost:5174',
      'http://localhost',
      'null',
      `${APP}, https://evil.example.com`,
    ]) {
      const res = await s.pub(k.key, '192.0.2.1', { origin });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(cors(res), { vary: 'Origin' }, origin);
    }
    assert.deepEqual(cors(await s.pub(k.key, '192.0.2.1')), { vary: 'Origin' }, 'no Origin');
  });

  it('error answers after the key is resolved carry the headers too: 400, 404, 403 address, 429', async () => {
    const k = await s.boundKey({ corsOrigins: [APP], allowIps: ['192.0.2.0/24'], rateLimit: 4 });
    const want = (res: LightMyRequestResponse, status: number) => {
      assert.equal(res.statusCode, status);
      assert.equal(res.headers['access-control-allow-origin'], APP, String(status));
      assert.equal(res.headers.vary, 'Origin');
    };
    want(await s.pub(k.key, '192.0.2.1', { origin: APP }, `/api/dataset/${s.tickets}?current=x`), 400);
    want(await s.pub(k.key, '192.0.2.1', { origin: APP }, '/api/dataset/1234567890123456789'), 404);
    want(await s.pub(k.key, '198.51.100.1', { origin: APP }), 403);
    want(await s.pub(k.key, '192.0.2.1', { origin: APP }), 200);
    want(await s.pub(k.key, '192.0.2.1', { origin: APP }), 200);
    want(await s.pub(k.key, '192.0.2.1', { origin: APP }), 429);
    // Nothing before the key is known: a wrong key with a listed origin gets no CORS headers.
    const bad = await s.pub(`dgk_${'0'.repeat(40)}`, '192.0.2.1', { origin: APP });
    assert.equal(bad.statusCode, 401);
    assert.deepEqual(cors(bad), {});
  });

  it('a key without a list sends no CORS headers, whatever another key of the tenant lists', async () => {
    await s.boundKey({ corsOrigins: [APP] });
    const k = await s.boundKey();
    for (const origin of [APP, 'https://evil.example.com']) {
      const res = await s.pub(k.key, '192.0.2.1', { origin });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(cors(res), {}, origin);
    }
    const notFound = await s.pub(k.key, '192.0.2.1', { origin: APP }, '/api/dataset/1234567890123456789');
    assert.deepEqual(cors(notFound), {});
  });

  it('origins set to none stop the headers within a second', async () => {
    const k = await s.boundKey({ corsOrigins: [APP] });
    assert.equal((await s.pub(k.key, '192.0.2.1', { origin: APP })).headers['access-control-allow-origin'], APP);
    const u = await s.a.ok('PATCH', `/admin/api/keys/${k.id}`, { corsOrigins: [] });
    assert.deepEqual(u.corsOrigins, []);
    await within('none', async () => Object.keys(cors(await s.pub(k.key, '192.0.2.1', { origin: APP }))).length === 0);
    const log = await s.a.ok('GET', '/admin/api/audit?action=key.update&size=5');
    assert.equal(log.items[0].detail, `CORS origins ${APP} → none`);
  });
});

describe('the client address behind proxies (DATAGATE_TRUST_PROXY)', () => {
  const ALLOWED = '198.51.100.7';
  const PROXY = '10.0.0.1';
  const OTHER = '192.0.2.66';

  for (const [mode, env, cases] of [
    [
      'a list of proxies: the first address from the right that is not one of them',
      '10.0.0.1, 10.0.1.0/24',
      [
        [PROXY, ALLOWED, 200],
        [PROXY, `${OTHER}, ${ALLOWED}`, 200],
        // The client wrote the allowed address itself; the proxy appended the real one.
        [PROXY, `${ALLOWED}, ${OTHER}`, 403],
        [PROXY, `${ALLOWED}, 10.0.1.9`, 200],
        // Not from a trusted proxy: its X-Forwarded-For is not believed.
        ['10.0.0.2', ALLOWED, 403],
        [ALLOWED, OTHER, 200],
      ],
    ],
    [
      'a hop count: the N-th address from the right',
      '1',
      [
        [PROXY, ALLOWED, 200],
        [PROXY, `${ALLOWED}, ${OTHER}`, 403],
        [PROXY, `${OTHER}, ${ALLOWED}`, 200],
      ],
    ],
    [
      'true: every hop is believed, the left-most address is the client',
      'true',
      [
        [PROXY, `${ALLOWED}, ${OTHER}`, 200],
        [PROXY, `${OTHER}, ${ALLOWED}`, 403],
        [OTHER, ALLOWED, 200],
      ],
    ],
  ] as const) {
    describe(mode, () => {
      let s: Awaited<ReturnType<typeof setUp>>;
      let key: string;
      before(async () => {
        s = await setUp({ DATAGATE_TRUST_PROXY: env });
        key = (await s.boundKey({ allowIps: [ALLOWED] })).key;
      });
      after(() => s.t.close());
      for (const [peer, xff, status] of cases) {
        it(`from ${peer} with X-Forwarded-For "${xff}": ${status}`, async () => {
          const res = await s.pub(key, peer, { 'x-forwarded-for': xff });
          assert.equal(res.statusCode, status);
          if (status === 403) assert.equal(res.body, REFUSED);
        });
      }
    });
  }
});

describe('key create and key update on the command line', () => {
  let ws: CliWorkspace;
  before(async () => {
    ws = await cliWorkspace('key-access');
  });
  after(() => ws.close());

  it('sets, shows and clears the lists; key list --json and the human listing show them', async () => {
    const k = await ws.dg('key', 'create', '--name', 'web', '--allow-ip', '203.0.113.0/24,2001:DB8::/32');
    assert.deepEqual(k.allowIps, ['203.0.113.0/24', '2001:db8::/32']);
    assert.deepEqual(k.corsOrigins, []);
    const u = await ws.dg('key', 'update', k.id, '--cors-origin', 'https://App.example.com,http://localhost:5173');
    assert.deepEqual(
      [u.allowIps, u.corsOrigins],
      [
        ['203.0.113.0/24', '2001:db8::/32'],
        [APP, LOCAL],
      ],
    );
    const listed = (await ws.dg('key', 'list')).keys.find((x: { id: string }) => x.id === k.id);
    for (const field of ['expiresAt', 'disabled', 'allowIps', 'corsOrigins', 'lastUsedAt', 'previousValidUntil']) {
      assert.ok(field in listed, `key list --json shows ${field}`);
    }
    assert.deepEqual([listed.allowIps, listed.corsOrigins], [u.allowIps, u.corsOrigins]);
    const human = await ws.run(['key', 'list']);
    assert.equal(human.code, 0);
    assert.match(
      human.stdout,
      /from 203\.0\.113\.0\/24,2001:db8::\/32 {2}CORS https:\/\/app\.example\.com,http:\/\/localhost:5173/,
    );
    const cleared = await ws.dg('key', 'update', k.id, '--allow-ip', 'any', '--cors-origin', 'none');
    assert.deepEqual([cleared.allowIps, cleared.corsOrigins], [[], []]);
    assert.doesNotMatch((await ws.run(['key', 'list'])).stdout, /from |CORS /);
  });

  it('refuses a bad entry with exit 2 naming it, and changes nothing', async () => {
    const k = await ws.dg('key', 'create', '--name', 'strict', '--allow-ip', '10.0.0.0/8');
    for (const [args, message] of [
      [['--allow-ip', '10.0.0.0/8,10.0.0.300'], /--allow-ip: "10\.0\.0\.300" is not an IPv4 or IPv6 address/],
      [['--allow-ip', '10.1.0.0/8'], /--allow-ip: "10\.1\.0\.0\/8" has bits set past \/8/],
      [['--allow-ip', ''], /--allow-ip: an empty entry/],
      [['--cors-origin', '*'], /--cors-origin: "\*" would let every site/],
      [['--cors-origin', 'null'], /--cors-origin: "null"/],
      [['--cors-origin', 'https://app.example.com/'], /--cors-origin: "https:\/\/app\.example\.com\/" must be/],
    ] as const) {
      for (const cmd of [
        ['key', 'update', k.id, ...args],
        ['key', 'create', '--name', 'bad', ...args],
      ]) {
        const r = await ws.dgFail(...cmd);
        assert.equal(r.code, 2, cmd.join(' '));
        assert.match(r.stderr, message);
      }
    }
    const keys = (await ws.dg('key', 'list')).keys;
    assert.deepEqual(keys.find((x: { id: string }) => x.id === k.id).allowIps, ['10.0.0.0/8']);
    assert.equal(keys.filter((x: { name: string }) => x.name === 'bad').length, 0);
    const help = await ws.run(['key', 'update', '--help']);
    assert.match(help.stdout, /--allow-ip <cidrs>/);
    assert.match(help.stdout, /--cors-origin <origins>/);
  });
});
