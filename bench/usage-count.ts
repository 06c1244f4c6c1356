// node --import tsx bench/usage-count.ts [--calls N] [--keys K]
// What counting one public API answer costs, alone: usage.count() called N times over K
// keys (each request's key picked in turn, statuses 200 and now and then 404 or 429),
// in ns per call, next to an empty loop doing the same picking. The clock is the real
// one, so minute rollovers happen as they would. Needs no database: count() never
// touches it. Prints one line of JSON.
import { parseArgs } from 'node:util';
import type { Store } from '../src/store/index.ts';
import { createUsageService } from '../src/access/usage-service.ts';

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '10000000' },
    keys: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '5' },
  },
});
const CALLS = Number(args.calls);
const KEYS = Number(args.keys);
const ROUNDS = Number(args.rounds);

// count() never uses the store; flush() is not called here.
const usage = createUsageService({ store: undefined as unknown as Store });
const keyIds = Array.from({ length: KEYS }, (_, i) => `key-${String(i).padStart(8, '0')}-0123456789ab`);
const tenantId = 'tenant-0123456789abcdef';
// One answer in 50 a 404, one in 100 a 429: a few buckets besides the 200s.
const statusOf = (i: number) => (i % 100 === 0 ? 429 : i % 50 === 0 ? 404 : 200);

function loop(count: boolean): number {
  let sink = 0;
  const t = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) {
    const keyId = keyIds[i % KEYS];
    const status = statusOf(i);
    if (count) usage.count(tenantId, keyId, status);
    else sink += keyId.length + status;
  }
  const ns = Number(process.hrtime.bigint() - t) / CALLS;
  if (sink === -1) console.log(sink);
  return ns;
}

const counted: number[] = [];
const empty: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  empty.push(loop(false));
  counted.push(loop(true));
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
process.stdout.write(
  JSON.stringify({
    calls: CALLS,
    keys: KEYS,
    rounds: ROUNDS,
    nsPerCount: Number((median(counted) - median(empty)).toFixed(1)),
    nsPerCountRounds: counted.map((c, i) => Number((c - empty[i]).toFixed(1))),
    buckets: usage.unwrittenBuckets().length,
  }) + '\n',
);
