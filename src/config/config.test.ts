import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

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
      { port: '9100' },
    );
    assert.equal(c.database, 'sqlite:/tmp/a.db');
    assert.equal(c.http.port, 9100);
    assert.equal(c.api.maxPageSize, 50);
  });

  it('takes the environment where a flag is not given (flag > environment > default)', () => {
    const env = { DATAGATE_PORT: '18082', DATAGATE_HOST: '0.0.0.0', DATAGATE_DATA_DIR: '/var/lib/datagate' };
    const c = loadConfig(env, { host: undefined, port: undefined });
    assert.equal(c.http.port, 18082);
    assert.equal(c.http.host, '0.0.0.0');
    assert.equal(c.dataDir, '/var/lib/datagate');
    assert.equal(loadConfig(env, { host: '127.0.0.1' }).http.host, '127.0.0.1');
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
      ['yes', /http\.trustProxy: "yes" is not an IPv4 or IPv6 address/],
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
        assert.match(e.message, /http\.port/);
        assert.match(e.message, /api\.maxPageSize/);
        assert.match(e.message, /logLevel/);
        return true;
      },
    );
  });
});
