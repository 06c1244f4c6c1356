import { Redis } from 'ioredis';

export interface RedisLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/**
 * A Redis connection for shared limits and lockouts. Commands fail at once while Redis is away
 * (no offline queue), so callers fall back instead of waiting; ioredis reconnects on
 * its own. The outage is logged once when it starts and once when it ends.
 */
export function createRedisClient(url: string, log: RedisLog): Redis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // A request must never wait long on Redis: past 500 ms it is answered from the
    // node's own limiter instead.
    commandTimeout: 500,
    connectTimeout: 2000,
    // Reconnect quickly at first, then every 2 s at most, for as long as it takes.
    retryStrategy: (times) => Math.min(100 * times, 2000),
    lazyConnect: false,
  });
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) {
      down = true;
      log.warn({ err: err.message }, 'Redis unreachable: rate limits and lockouts are per node until it returns');
    }
  });
  client.on('ready', () => {
    if (down) {
      down = false;
      log.info({}, 'Redis reachable again: rate limits and lockouts are shared again');
    }
  });
  return client;
}
