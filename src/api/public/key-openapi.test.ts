import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FILTER_DOCS, keyOpenApi } from './key-openapi.ts';

type Doc = any;

describe('keyOpenApi (the per-key OpenAPI document)', () => {
  const doc: Doc = keyOpenApi({
    keyName: 'Portal',
    baseUrl: 'https://api.example.com',
    datasets: [
      {
        id: '101',
        name: 'Odd names',
        description: '',
        fields: [
          { name: 'size', type: 'NUMBER' },
          { name: 'current', type: 'TEXT' },
          { name: '_private', type: 'TEXT' },
          { name: 'Real Name', type: 'TEXT' },
        ],
      },
    ],
    widgets: [
      {
        id: '202',
        name: 'Stale',
        description: 'A bar widget',
        columns: [
          { name: 'Gone', type: null },
          { name: 'N', type: 'NUMBER' },
        ],
      },
    ],
  });

  it('has one path per resource with its literal id, and the key’s name in the title', () => {
    assert.deepEqual(Object.keys(doc.paths), [
      '/api/dataset/101',
      '/api/dataset/101/export',
      '/api/widget/202',
      '/api/widget/202/export',
      '/odata/',
      '/odata/$metadata',
      '/odata/{entitySet}',
    ]);
    assert.equal(doc.info.title, 'datagate public API — Portal');
    assert.deepEqual(doc.servers, [{ url: 'https://api.example.com' }]);
  });

  it(
    'leaves out plain parameters for fields named current or size and every field beginning with _; operators ' +
      'still reach the first two',
    () => {
      const names = doc.paths['/api/dataset/101'].get.parameters.map((p: Doc) => p.name);
      // A field named like a paging parameter is filtered on through an operator only
      // (`size[eq]`); one whose name begins with _ not at all (`_x[eq]` is an option).
      assert.deepEqual(names, [
        'current',
        'size',
        '_sort',
        '_fields',
        '_numbers',
        '_count',
        '_after',
        'Real Name',
        'size[eq]',
        'size[ne]',
        'size[in]',
        'current[eq]',
        'current[ne]',
        'current[in]',
        'current[contains]',
        'Real Name[eq]',
        'Real Name[ne]',
        'Real Name[in]',
        'Real Name[contains]',
      ]);
      const size = doc.paths['/api/dataset/101'].get.parameters.find((p: Doc) => p.name === 'size');
      assert.equal(size.schema.type, 'integer', 'the paging parameter, not the field');
      // The records still show every field.
      const rec =
        doc.paths['/api/dataset/101'].get.responses['200'].content['application/json'].schema.properties.data.properties
          .records.items;
      assert.deepEqual(Object.keys(rec.properties), ['size', 'current', '_private', 'Real Name']);
    },
  );

  it('lists _count and _after on dataset pages only, with X-Total-Kind and data.next', () => {
    const names = (path: string) => doc.paths[path].get.parameters.map((p: Doc) => p.name);
    const count = doc.paths['/api/dataset/101'].get.parameters.find((p: Doc) => p.name === '_count');
    assert.deepEqual(count.schema, { type: 'string', enum: ['exact', 'estimated', 'none'], default: 'exact' });
    assert.match(count.description, /X-Total-Kind/);
    for (const path of ['/api/widget/202', '/api/dataset/101/export', '/api/widget/202/export']) {
      assert.ok(!names(path).includes('_count') && !names(path).includes('_after'), path);
    }
    const ok = doc.paths['/api/dataset/101'].get.responses['200'];
    assert.ok(ok.headers['X-Total-Kind']);
    assert.deepEqual(ok.content['application/json'].schema.properties.data.properties.next.type, ['string', 'null']);
    assert.ok(doc.paths['/api/dataset/101'].get.responses['410']);
  });

  it('describes a column whose field is gone without a type', () => {
    const params = doc.paths['/api/widget/202'].get.parameters;
    const gone = params.find((p: Doc) => p.name === 'Gone');
    assert.equal(gone['x-field-type'], undefined);
    assert.match(gone.description, /no longer exists/);
    assert.equal(params.find((p: Doc) => p.name === 'N')['x-field-type'], 'NUMBER');
    assert.equal(doc.paths['/api/widget/202'].get.description, 'A bar widget');
  });

  it('gives a dataset without a description a sentence of its own, and unique operation ids', () => {
    assert.match(doc.paths['/api/dataset/101'].get.description, /Odd names/);
    const ids = Object.values<Doc>(doc.paths).flatMap((item) => Object.values<Doc>(item).map((op) => op.operationId));
    assert.equal(new Set(ids).size, 9);
    assert.equal(ids.length, 9);
  });

  it('describes the filter syntax of every type', () => {
    assert.match(FILTER_DOCS.TEXT, /case-insensitive/);
    assert.match(FILTER_DOCS.NUMBER, /`lo,hi`.*`lo,`.*`,hi`/s);
    assert.match(FILTER_DOCS.BOOLEAN, /true.*false.*1.*0/);
    assert.match(FILTER_DOCS.DATE, /YYYY-MM-DD/);
    assert.match(FILTER_DOCS.DATETIME, /ISO 8601/);
  });

  it('is an empty but valid document for a key bound to nothing', () => {
    const empty: Doc = keyOpenApi({ keyName: 'k', baseUrl: 'http://x', datasets: [], widgets: [] });
    assert.deepEqual(empty.paths, {});
    assert.ok(empty.components.securitySchemes.apikey);
  });
});
