import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createRedisClient } from './redis-client.ts';
import { createRedisRateLimiter } from './redis-rate-limiter.ts';
import { freePort } from '../../test/support/ports.ts';
import { startRedis } from '../../test/support/redis-server.ts';

const REDIS_URL = process.env.DATAGATE_TEST_REDIS ?? 'redis://127.0.0.1:6379';

function quietLog() {
  const lines: string[] = [];
  return {
    lines,
    warn: (_o: object, m: string) => void lines.push(`warn ${m}`),
    info: (_o: object, m: string) => void lines.push(`info ${m}`),
  };
}

describe('rate limits shared through Redis', () => {
  const clients: Redis[] = [];
  after(async () => {
    for (const c of clients) c.disconnect();
  });

  it('a key limited to 60 per minute gets exactly 60 of 100 concurrent requests split across two nodes', async () => {
    const prefix = `dgtest:${randomUUID()}`;
    const nodes = [0, 1].map(() => {
      const c = createRedisClient(REDIS_URL, quietLog());
      clients.push(c);
      return createRedisRateLimiter({ client: c, windowSeconds: 60, keyPrefix: prefix });
    });
    await Promise.all(clients.map((c) => new Promise((r) => (c.status === 'ready' ? r(null) : c.once('ready', r)))));
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => nodes[i % 2].consume('key-1', 60)));
    assert.equal(results.filter((d) => d.allowed).length, 60);
    assert.equal(results.filter((d) => !d.allowed).length, 40);
    assert.ok(results.filter((d) => !d.allowed).every((d) => d.remaining === 0 && d.resetSeconds >= 1));
  });

  it('falls back to a per-node limit while Redis is down, logs it once, and shares again when it returns', async () => {
    const port = await freePort();
    let server = await startRedis(port);
    const log = quietLog();
    const client = createRedisClient(`redis://127.0.0.1:${port}`, log);
    clients.push(client);
    await new Promise((r) => (client.status === 'ready' ? r(null) : client.once('ready', r)));
    const prefix = `dgtest:${randomUUID()}`;
    const limiter = createRedisRateLimiter({ client, windowSeconds: 60, keyPrefix: prefix });
    assert.equal((await limiter.consume('k', 5)).remaining, 4);

    server.kill('SIGKILL');
    await new Promise((r) => server.on('exit', r));
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const during = [];
    for (let i = 0; i < 7; i++) during.push(await limiter.consume('k', 5));
    assert.ok(Date.now() - started < 1000, `answered in ${Date.now() - started} ms while Redis was down`);
    assert.deepEqual(
      during.map((d) => d.allowed),
      [true, true, true, true, true, false, false],
      'the node enforces the limit itself',
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(log.lines.filter((l) => l.startsWith('warn')).length, 1, log.lines.join('\n'));

    server = await startRedis(port);
    await new Promise((r) => (client.status === 'ready' ? r(null) : client.once('ready', r)));
    const back = await limiter.consume('k2', 5);
    assert.equal(back.remaining, 4);
    const probe = new Redis(`redis://127.0.0.1:${port}`);
    assert.equal(await probe.get(`${prefix}:rl:5:k2`), '1', 'the count lives in Redis again');
    probe.disconnect();
    assert.deepEqual(
      log.lines.map((l) => l.split(' ')[0]),
      ['warn', 'info'],
    );
    client.disconnect();
    server.kill('SIGKILL');
  });
});
