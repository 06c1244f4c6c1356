import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from './support/test-server.ts';

const TOKEN = 'ops-test-metrics-token';

describe('health and metrics endpoints', () => {
  let t: TestServer;
  let key: string;
  let dsId: string;
  before(async () => {
    t = await startTestServer({ DATAGATE_METRICS_TOKEN: TOKEN });
    dsId = (await t.modules.catalog.datasets.importFile(t.tenant.id, { file: t.file('a.csv', 'a\n1\n2\n'), name: 'A' }))
      .id;
    const k = await t.modules.access.keys.create(t.tenant.id, { name: 'k', rateLimit: 2 });
    key = k.key;
    await t.modules.access.keys.bind(t.tenant.id, k.id, 'dataset', dsId);
    await t.server.refresh();
  });
  after(() => t.close());

  it('/healthz says the process is alive and /readyz that the database answers', async () => {
    const h = await t.server.app.inject({ url: '/healthz' });
    assert.equal(h.statusCode, 200);
    assert.deepEqual(h.json(), { status: 'ok' });
    const r = await t.server.app.inject({ url: '/readyz' });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { status: 'ready' });
  });

  it('/metrics counts requests by route and status, latency, rate-limit rejections and query time', async () => {
    for (let i = 0; i < 3; i++)
      await t.server.app.inject({ url: `/api/dataset/${dsId}?a=${i}`, headers: { apikey: key } });
    await t.server.app.inject({ url: '/nowhere' });
    const m = await t.server.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(m.statusCode, 200);
    assert.match(String(m.headers['content-type']), /^text\/plain/);
    const text = m.body;
    assert.match(
      text,
      /datagate_http_requests_total\{route="\/api\/dataset\/:resourceId",method="GET",status="200"\} 2/,
    );
    assert.match(
      text,
      /datagate_http_requests_total\{route="\/api\/dataset\/:resourceId",method="GET",status="429"\} 1/,
    );
    assert.match(text, /datagate_http_requests_total\{route="unmatched",method="GET",status="404"\} 1/);
    assert.match(text, /datagate_rate_limit_rejections_total\{kind="key"\} 1/);
    assert.match(
      text,
      /datagate_http_request_duration_seconds_bucket\{le="0.5",route="\/api\/dataset\/:resourceId"\} 3/,
    );
    assert.match(text, /datagate_query_duration_seconds_count\{kind="dataset"\} 2/);
    assert.match(text, /datagate_process_resident_memory_bytes \d+/);
  });
});
