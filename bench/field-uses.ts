// node --import tsx bench/field-uses.ts [--calls N] [--keys K] [--rounds R]
// What noting the fields of one public request costs, alone: fieldUses.record() called N
// times over K keys (each request's key picked in turn) for kinds of request, in ns per
// call next to an empty loop doing the same picking, rounds alternating:
//   none:     a query naming no field (Q1: current=1&size=10), the shared empty answer;
//   Q3hit:    two filters (priority=2,4&created_at=…), the same object every time, as a
//             page-cache hit gives it;
//   Q3miss:   the same names in two objects taken in turn, as parses give them;
//   widemiss: three filters, two sort keys and a projection of four fields, two objects.
// Also usedFields() over Q3's parsed query: what a cache miss adds once, before its page
// is cached. Needs no database: record() never touches it. Prints one line of JSON.
import { parseArgs } from 'node:util';
import type { Store } from '../src/store/index.ts';
import { createFieldUseService, type UsedFieldNames } from '../src/access/field-use-service.ts';
import { NO_FIELDS, parseQuery, usedFields, type Field } from '../src/catalog/index.ts';

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '5000000' },
    keys: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '7' },
  },
});
const CALLS = Number(args.calls);
const KEYS = Number(args.keys);
const ROUNDS = Number(args.rounds);

const fields: Field[] = ['id', 'summary', 'priority', 'status', 'board', 'hours', 'created_at'].map((name, i) => ({
  name,
  type: name === 'created_at' ? 'DATE' : name === 'priority' || name === 'hours' || name === 'id' ? 'NUMBER' : 'TEXT',
  column: `c${i}`,
}));
const parsed = parseQuery({ priority: '2,4', created_at: '2022-01-01,2022-06-30' }, fields, { maxSize: 1000 });
if (!parsed.ok) throw new Error(parsed.message);
const q3 = parsed.query;
const wide = () => ({
  filter: ['status', 'board', 'priority'],
  sort: ['hours', 'id'],
  select: ['id', 'summary', 'status', 'hours'],
});
const q3hit = usedFields(q3);
const KINDS: Record<string, UsedFieldNames[]> = {
  none: [NO_FIELDS],
  Q3hit: [q3hit],
  Q3miss: [usedFields(q3), usedFields(q3)],
  widemiss: [wide(), wide()],
};

const keyIds = Array.from({ length: KEYS }, (_, i) => `key-${String(i).padStart(8, '0')}-0123456789ab`);
const tenantId = 'tenant-0123456789abcdef';
const datasetId = 'dataset-0123456789abcdef';

function loop(used: UsedFieldNames[] | null): number {
  // A fresh service per round, as after a flush: its first calls per key allocate.
  const f = createFieldUseService({ store: undefined as unknown as Store });
  let sink = 0;
  const t = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) {
    const keyId = keyIds[i % KEYS];
    // In turn per key: i / KEYS changes parity once every key had a request.
    if (used !== null) f.record(tenantId, keyId, datasetId, used[Math.floor(i / KEYS) % used.length]);
    else sink += keyId.length + (Math.floor(i / KEYS) % 2);
  }
  const ns = Number(process.hrtime.bigint() - t) / CALLS;
  if (sink === -1) console.log(sink);
  return ns;
}

function usedFieldsLoop(): number {
  let sink = 0;
  const n = CALLS / 5;
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink += usedFields(q3).filter.length;
  const ns = Number(process.hrtime.bigint() - t) / n;
  if (sink === -1) console.log(sink);
  return ns;
}

const results: Record<string, number[]> = { none: [], Q3hit: [], Q3miss: [], widemiss: [], usedFields: [] };
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, used] of Object.entries(KINDS)) {
    const empty = loop(null);
    results[name].push(loop(used) - empty);
  }
  results.usedFields.push(usedFieldsLoop());
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const round = (n: number) => Number(n.toFixed(1));
process.stdout.write(
  JSON.stringify({
    calls: CALLS,
    keys: KEYS,
    rounds: ROUNDS,
    nsPerCall: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, round(median(v))])),
    range: Object.fromEntries(
      Object.entries(results).map(([k, v]) => [k, [round(Math.min(...v)), round(Math.max(...v))]]),
    ),
  }) + '\n',
);
