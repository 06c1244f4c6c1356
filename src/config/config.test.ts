import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, SETTINGS } from './config.ts';

describe('configuration', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    assert.equal(c.database, 'sqlite:./data/datagate.db');
    assert.equal(c.tenant, 'default');
    assert.equal(c.http.port, 8080);
    assert.equal(c.http.host, '127.0.0.1');
    assert.equal(c.api.maxPageSize, 1000);
    assert.ok(Object.isFrozen(c));
  });

  it('reads the environment, and flags win over it', () => {
    const c = loadConfig(
      { DATAGATE_DATABASE: 'sqlite:/tmp/a.db', DATAGATE_PORT: '9000', DATAGATE_MAX_PAGE_SIZE: '50' },
      { 'http.port': '9100' },
    );
    assert.equal(c.database, 'sqlite:/tmp/a.db');
    assert.equal(c.http.port, 9100);
    assert.equal(c.api.maxPageSize, 50);
  });

  it('takes the environment where a flag is not given (flag > environment > default)', () => {
    const env = { DATAGATE_PORT: '18082', DATAGATE_HOST: '0.0.0.0', DATAGATE_DATA_DIR: '/var/lib/datagate' };
    const c = loadConfig(env, { 'http.host': undefined, 'http.port': undefined });
    assert.equal(c.http.port, 18082);
    assert.equal(c.http.host, '0.0.0.0');
    assert.equal(c.dataDir, '/var/lib/datagate');
    assert.equal(loadConfig(env, { 'http.host': '127.0.0.1' }).http.host, '127.0.0.1');
    assert.equal(loadConfig({}).dataDir, undefined);
  });

  it('runs one query worker per core, at most 8, unless told; 0 turns them off', () => {
    assert.equal(loadConfig({}).queryWorkers, Math.min(os.availableParallelism(), 8));
    assert.equal(loadConfig({ DATAGATE_QUERY_WORKERS: '3' }).queryWorkers, 3);
    assert.equal(loadConfig({ DATAGATE_QUERY_WORKERS: '0' }).queryWorkers, 0);
    assert.throws(() => loadConfig({ DATAGATE_QUERY_WORKERS: '-1' }), /queryWorkers/);
    assert.throws(() => loadConfig({ DATAGATE_QUERY_WORKERS: 'many' }), /queryWorkers/);
  });

  it('DATAGATE_TRUST_PROXY: off, true, a hop count, or a list of proxy addresses and CIDRs', () => {
    const trust = (v: string | undefined) =>
      loadConfig(v === undefined ? {} : { DATAGATE_TRUST_PROXY: v }).http.trustProxy;
    assert.equal(trust(undefined), false);
    assert.equal(trust(''), false);
    assert.equal(trust('false'), false);
    assert.equal(trust('0'), false);
    assert.equal(trust('true'), true);
    assert.equal(trust('TRUE'), true);
    assert.equal(trust('1'), 1);
    assert.equal(trust('2'), 2);
    assert.deepEqual(trust('10.0.0.1'), ['10.0.0.1/32']);
    assert.deepEqual(trust(' 10.0.0.0/8, 2001:DB8::/32,loopback ,uniquelocal'), [
      '10.0.0.0/8',
      '2001:db8::/32',
      'loopback',
      'uniquelocal',
    ]);
    for (const [bad, want] of [
      ['yes', /DATAGATE_TRUST_PROXY "yes": "yes" is not an IPv4 or IPv6 address/],
      ['10.0.0.0/8,proxy.example.com', /"proxy\.example\.com" is not/],
      ['10.0.0.1/8', /"10\.0\.0\.1\/8" has bits set past \/8/],
      ['10.0.0.1,', /an empty entry/],
      ['33', /at most 32 hops, got 33/],
      ['-1', /"-1" is not/],
    ] as const) {
      assert.throws(
        () => trust(bad),
        (e: unknown) => e instanceof ConfigError && want.test(e.message),
        bad,
      );
    }
  });

  it('names every invalid setting at once', () => {
    assert.throws(
      () => loadConfig({ DATAGATE_PORT: 'eighty', DATAGATE_MAX_PAGE_SIZE: '0', DATAGATE_LOG_LEVEL: 'loud' }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /3 problems/);
        assert.match(e.message, /DATAGATE_PORT "eighty"/);
        assert.match(e.message, /DATAGATE_MAX_PAGE_SIZE "0"/);
        assert.match(e.message, /DATAGATE_LOG_LEVEL "loud"/);
        return true;
      },
    );
  });

  it('names a flag as the source of a bad value, and an empty variable counts as unset', () => {
    assert.throws(() => loadConfig({ DATAGATE_PORT: '9000' }, { 'http.port': 'x' }), /--port "x"/);
    assert.equal(loadConfig({ DATAGATE_PORT: '' }).http.port, 8080);
    assert.equal(loadConfig({ DATAGATE_TRUST_PROXY: 'false' }).http.trustProxy, false);
    assert.equal(loadConfig({ DATAGATE_TRUST_PROXY: 'true' }).http.trustProxy, true);
    assert.equal(loadConfig({}, { 'http.trustProxy': true }).http.trustProxy, true);
    assert.throws(
      () => loadConfig({ DATAGATE_TRUST_PROXY: 'maybe' }),
      /DATAGATE_TRUST_PROXY "maybe": "maybe" is not an IPv4 or IPv6 address/,
    );
  });

  // For every setting: a value from its variable lands in the config, and its flag wins over
  // the variable. A setting without a sample here fails the test, so none is left untested.
  const SAMPLES: Record<string, [env: string, flag: string, expected: (s: string) => unknown]> = {
    database: ['sqlite:/tmp/env.db', 'sqlite:/tmp/flag.db', (s) => s],
    tenant: ['from-env', 'from-flag', (s) => s],
    dataDir: ['/var/lib/env', '/var/lib/flag', (s) => s],
    'http.host': ['0.0.0.0', '::', (s) => s],
    'http.port': ['18082', '18083', Number],
    'http.publicUrl': ['https://env.example.com', 'https://flag.example.com', (s) => s],
    'http.trustProxy': ['2', '3', Number],
    'http.bodyLimit': ['2048', '4096', Number],
    'api.maxPageSize': ['50', '60', Number],
    memoryMb: ['128', '256', Number],
    'api.pageCacheMb': ['7', '8', Number],
    'api.queryTimeoutMs': ['1500', '2500', Number],
    queryWorkers: ['3', '4', Number],
    'api.keyFailureLimit': ['5', '6', Number],
    'api.keyFailureWindowSeconds': ['70', '80', Number],
    'api.keyFailureBlockSeconds': ['90', '100', Number],
    'redis.url': ['redis://env:6379', 'redis://flag:6379', (s) => s],
    'redis.prefix': ['envprefix', 'flagprefix', (s) => s],
    changePollMs: ['300', '400', Number],
    'admin.uploadDir': ['/tmp/env-uploads', '/tmp/flag-uploads', (s) => s],
    'admin.uploadLimitMb': ['10', '20', Number],
    'admin.consoleDir': ['/tmp/env-console', '/tmp/flag-console', (s) => s],
    'ops.metricsAddr': ['127.0.0.1:9464', '[::1]:9465', (s) => s],
    'ops.shutdownTimeoutMs': ['1000', '2000', Number],
    'sources.maxMb': ['5', '6', Number],
    'sources.timeoutS': ['30', '40', Number],
    'sources.tickMs': ['500', '1000', Number],
    logLevel: ['debug', 'error', (s) => s],
  };
  // Secrets whose flag names a file: tested with X_FILE below.
  const FROM_FILES = new Set(['secret', 'ops.metricsToken']);

  it('every setting is read from its variable, and its flag wins over the variable', () => {
    const at = (c: unknown, p: string) => p.split('.').reduce<any>((o, k) => o[k], c);
    for (const s of SETTINGS) {
      if (FROM_FILES.has(s.path)) continue;
      const sample = SAMPLES[s.path];
      assert.ok(sample, `no sample for ${s.path} (${s.env}): add one`);
      const [fromEnv, fromFlag, expected] = sample;
      assert.deepEqual(at(loadConfig({ [s.env]: fromEnv }), s.path), expected(fromEnv), s.env);
      assert.deepEqual(
        at(loadConfig({ [s.env]: fromEnv }, { [s.path]: fromFlag }), s.path),
        expected(fromFlag),
        s.flag,
      );
    }
    assert.deepEqual(
      SETTINGS.filter((s) => !FROM_FILES.has(s.path) && !SAMPLES[s.path]).map((s) => s.env),
      [],
    );
  });

  it('the metrics token comes from its variable, its _FILE or its flag (a file)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-metrics-'));
    const f = path.join(dir, 'token');
    fs.writeFileSync(f, 'file-token-0123456789\n');
    assert.equal(
      loadConfig({ DATAGATE_METRICS_TOKEN: 'env-token-0123456789' }).ops.metricsToken,
      'env-token-0123456789',
    );
    assert.equal(loadConfig({ DATAGATE_METRICS_TOKEN_FILE: f }).ops.metricsToken, 'file-token-0123456789');
    assert.equal(
      loadConfig({ DATAGATE_METRICS_TOKEN: 'env-token-0123456789' }, { 'ops.metricsToken': f }).ops.metricsToken,
      'file-token-0123456789',
    );
    assert.throws(() => loadConfig({ DATAGATE_METRICS_TOKEN: 'short' }), /at least 16 characters/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a command's own defaults come after the flag and the environment", () => {
    const defaults = { database: 'sqlite:./data/demo.db', logLevel: 'warn' };
    assert.equal(loadConfig({}, {}, defaults).database, 'sqlite:./data/demo.db');
    assert.equal(loadConfig({}, {}, defaults).logLevel, 'warn');
    assert.equal(loadConfig({ DATAGATE_DATABASE: 'sqlite:e.db' }, {}, defaults).database, 'sqlite:e.db');
    assert.equal(
      loadConfig({ DATAGATE_DATABASE: 'sqlite:e.db' }, { database: 'sqlite:f.db' }, defaults).database,
      'sqlite:f.db',
    );
  });

  describe('secrets from files (X_FILE)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-config-'));
    const file = (name: string, text: string) => {
      fs.writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const secret = 's'.repeat(40);

    it('reads DATAGATE_SECRET_FILE, DATAGATE_DATABASE_FILE and DATAGATE_REDIS_FILE, without the line end', () => {
      const c = loadConfig({
        DATAGATE_SECRET_FILE: file('secret', `${secret}\n`),
        DATAGATE_DATABASE_FILE: file('db', 'postgres://u:p%40ss@db:5432/dg\r\n'),
        DATAGATE_REDIS_FILE: file('redis', 'redis://:pw@cache:6379'),
      });
      assert.equal(c.secret, secret);
      assert.equal(c.database, 'postgres://u:p%40ss@db:5432/dg');
      assert.equal(c.redis.url, 'redis://:pw@cache:6379');
    });

    it('every secret-bearing setting has a _FILE variant; the --secret-file flag beats the environment', () => {
      assert.deepEqual(
        SETTINGS.filter((s) => s.secret).map((s) => s.env),
        ['DATAGATE_DATABASE', 'DATAGATE_SECRET', 'DATAGATE_REDIS', 'DATAGATE_METRICS_TOKEN'],
      );
      const other = 'o'.repeat(40);
      const c = loadConfig({ DATAGATE_SECRET: secret }, { secret: file('flag-secret', `${other}\n`) });
      assert.equal(c.secret, other);
    });

    it('refuses X and X_FILE together, and an unreadable file, listing each and never the secret', () => {
      assert.throws(
        () =>
          loadConfig({
            DATAGATE_SECRET: secret,
            DATAGATE_SECRET_FILE: file('secret2', secret),
            DATAGATE_DATABASE_FILE: path.join(dir, 'missing'),
            DATAGATE_PORT: '-1',
          }),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError);
          assert.match(e.message, /3 problems/);
          assert.match(e.message, /DATAGATE_SECRET and DATAGATE_SECRET_FILE are both set/);
          assert.match(e.message, /DATAGATE_DATABASE_FILE: can't read .*missing: ENOENT/);
          assert.match(e.message, /DATAGATE_PORT "-1"/);
          assert.doesNotMatch(e.message, new RegExp(secret));
          return true;
        },
      );
    });

    it('a short secret from a file is refused by where it came from, without its value', () => {
      assert.throws(
        () => loadConfig({ DATAGATE_SECRET_FILE: file('short', 'tooshort\n') }),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError);
          assert.match(e.message, /DATAGATE_SECRET_FILE: must be at least 32 characters/);
          assert.doesNotMatch(e.message, /tooshort/);
          return true;
        },
      );
    });
  });
});
