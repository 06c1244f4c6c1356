// The ceiling: the same Fastify, answering a constant 1.5 KB JSON with no work at all.
import Fastify from 'fastify';

const records = Array.from({ length: 10 }, (_, i) => ({
  id: 1_000_000_000_000 + i,
  summary: 'Printer offline #12',
  board: 'Service Desk',
  status: 'New',
  priority: 3,
  hours: 12.5,
  is_billable: true,
  created_at: '2023-02-10T08:50:28Z',
  closed_date: null,
  company: 'Company 1, Inc.',
}));
const body = JSON.stringify({
  code: 0,
  msg: 'success',
  data: {
    records: records.slice(0, 6),
    total: 1_000_000,
    size: 10,
    current: 1,
    orders: [],
    optimizeCountSql: true,
    hitCount: false,
    searchCount: true,
    pages: 100_000,
  },
});
const app = Fastify({ logger: false });
app.get('/ceiling', async (_req, reply) => reply.type('application/json; charset=utf-8').send(body));
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(JSON.stringify({ listening: address, bytes: Buffer.byteLength(body) }) + '\n');
