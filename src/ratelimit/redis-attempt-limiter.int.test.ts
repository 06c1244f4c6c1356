import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createRedisClient } from './redis-client.ts';
import { createRedisAttemptLimiter } from './redis-attempt-limiter.ts';
import type { AttemptRules } from './attempt-limiter.ts';
import { freePort } from '../../test/support/ports.ts';
import { killRedis, startRedis } from '../../test/support/redis-server.ts';

const REDIS_URL = process.env.DATAGATE_TEST_REDIS ?? 'redis://127.0.0.1:6379';

function quietLog() {
  const lines: string[] = [];
  return {
    lines,
    warn: (_o: object, m: string) => void lines.push(`warn ${m}`),
    info: (_o: object, m: string) => void lines.push(`info ${m}`),
  };
}

const ready = (c: Redis) => new Promise((r) => (c.status === 'ready' ? r(null) : c.once('ready', r)));

describe('lockouts shared through Redis', () => {
  const clients: Redis[] = [];
  after(() => {
    for (const c of clients) c.disconnect();
  });

  /** A node's limiter: its own Redis connection, the deployment's prefix. */
  async function node(prefix: string, rules: AttemptRules, url = REDIS_URL, log = quietLog()) {
    const client = createRedisClient(url, log);
    clients.push(client);
    await ready(client);
    return createRedisAttemptLimiter({ ...rules, client, keyPrefix: prefix, name: 'key' });
  }

  it('failures spread over two nodes block at the limit in total, and the other node learns the block', async () => {
    const prefix = `dgtest:${randomUUID()}`;
    const rules = { limit: 10, windowSeconds: 60, blockSeconds: 300 };
    const [a, b] = [await node(prefix, rules), await node(prefix, rules)];
    for (let i = 0; i < 10; i++)
      assert.equal(await [a, b][i % 2].recordFailure('10.0.0.1'), 0, `failure ${i + 1} is counted`);
    assert.equal(b.blockedFor('10.0.0.1'), 300, 'the node whose failure reached the limit knows at once');
    assert.equal(a.blockedFor('10.0.0.1'), 0, 'the other node has not been told yet');
    const wait = await a.recordFailure('10.0.0.1');
    assert.ok(wait > 290 && wait <= 300, `refused as blocked, wait ${wait}`);
    assert.ok(a.blockedFor('10.0.0.1') > 290, 'and now knows it without asking');
    assert.equal(await a.check('10.0.0.2'), 0, 'other addresses are not blocked');

    const probe = new Redis(REDIS_URL);
    const ttl = await probe.pttl(`${prefix}:attempts:key:10.0.0.1`);
    probe.disconnect();
    assert.ok(ttl > 290_000 && ttl <= 300_000, `the block lives in Redis for the block time (${ttl} ms left)`);
  });

  it(
    'counts concurrent failures from two nodes exactly: of 30 at once with a limit of 10, 20 ' +
      'are refused as blocked',
    async () => {
      const prefix = `dgtest:${randomUUID()}`;
      const rules = { limit: 10, windowSeconds: 60, blockSeconds: 300 };
      const nodes = [await node(prefix, rules), await node(prefix, rules)];
      const waits = await Promise.all(Array.from({ length: 30 }, (_, i) => nodes[i % 2].recordFailure('10.0.0.3')));
      assert.equal(waits.filter((w) => w === 0).length, 10, waits.join(','));
      assert.equal(waits.filter((w) => w > 0).length, 20);
      for (const n of nodes) assert.ok(n.blockedFor('10.0.0.3') > 290);
    },
  );

  it('a node started after the block still blocks: check asks Redis, and a failure is refused as blocked', async () => {
    const prefix = `dgtest:${randomUUID()}`;
    const rules = { limit: 3, windowSeconds: 60, blockSeconds: 300 };
    const first = await node(prefix, rules);
    for (let i = 0; i < 3; i++) await first.recordFailure('ada@example.com');
    const restarted = await node(prefix, rules);
    assert.equal(restarted.blockedFor('ada@example.com'), 0);
    assert.ok((await restarted.check('ada@example.com')) > 290);
    const again = await node(prefix, rules);
    assert.ok((await again.recordFailure('ada@example.com')) > 290);
  });

  it('blocks end, and windows without enough failures are forgotten, when Redis lets their keys expire', async () => {
    const prefix = `dgtest:${randomUUID()}`;
    const blocking = await node(prefix, { limit: 1, windowSeconds: 60, blockSeconds: 1 });
    await blocking.recordFailure('10.0.0.4');
    assert.equal(await blocking.check('10.0.0.4'), 1);
    const windowed = await node(`${prefix}:w`, { limit: 2, windowSeconds: 1, blockSeconds: 300 });
    await windowed.recordFailure('10.0.0.4');
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(await blocking.check('10.0.0.4'), 0);
    assert.equal(blocking.blockedFor('10.0.0.4'), 0);
    await windowed.recordFailure('10.0.0.4');
    assert.equal(await windowed.check('10.0.0.4'), 0, 'one failure per window never reaches two');
  });

  it(
    'while Redis is away each node counts on its own, ' + 'at once, logging it once; afterwards they share again',
    async () => {
      const port = await freePort();
      let server = await startRedis(port);
      try {
        const url = `redis://127.0.0.1:${port}`;
        const logs = [quietLog(), quietLog()];
        const prefix = `dgtest:${randomUUID()}`;
        const rules = { limit: 3, windowSeconds: 60, blockSeconds: 300 };
        const [a, b] = [await node(prefix, rules, url, logs[0]), await node(prefix, rules, url, logs[1])];
        await killRedis(server);
        await new Promise((r) => setTimeout(r, 300));

        const started = Date.now();
        const waits = [];
        for (let i = 0; i < 4; i++) waits.push(await a.recordFailure('10.0.0.5'));
        assert.ok(Date.now() - started < 1000, `answered in ${Date.now() - started} ms while Redis was down`);
        assert.deepEqual(
          waits.map((w) => w > 0),
          [false, false, false, true],
          'node A blocks at its own third failure',
        );
        assert.ok((await a.check('10.0.0.5')) > 290);
        assert.equal(await b.check('10.0.0.5'), 0, 'node B has counted nothing of A’s');
        assert.equal(await b.recordFailure('10.0.0.5'), 0);
        await new Promise((r) => setTimeout(r, 300));
        for (const log of logs)
          assert.deepEqual(log.lines, [
            'warn Redis unreachable: rate limits and lockouts are per node until it returns',
          ]);

        server = await startRedis(port);
        await Promise.all(clients.slice(-2).map(ready));
        for (let i = 0; i < 3; i++) assert.equal(await [a, b][i % 2].recordFailure('10.0.0.6'), 0);
        assert.ok((await b.check('10.0.0.6')) > 290, 'shared again: three failures over both nodes block');
        assert.ok(a.blockedFor('10.0.0.5') > 290, 'a block made during the outage holds until it ends');
        for (const log of logs)
          assert.deepEqual(
            log.lines.map((l) => l.split(' ')[0]),
            ['warn', 'info'],
          );
      } finally {
        await killRedis(server);
      }
    },
  );
});
