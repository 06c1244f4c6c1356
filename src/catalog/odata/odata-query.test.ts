import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { F } from '../../../test/support/filter-cases.ts';
import { ODATA_SET } from '../../../test/support/odata-cases.ts';
import type { Field } from '../types.ts';
import { ODataQueryError } from './odata-errors.ts';
import { metadataXml, serviceDocument } from './odata-metadata.ts';
import { buildModel, odataIdentifier } from './odata-model.ts';
import { decodeSkipToken, encodeSkipToken, preferredPageSize } from './odata-paging.ts';
import { formatParameters, parseODataQuery, type QueryParams } from './odata-query.ts';

const parse = (params: QueryParams) => parseODataQuery(params, ODATA_SET);

function refused(params: QueryParams, status: 400 | 501, message: RegExp) {
  assert.throws(
    () => parse(params),
    (e: unknown) => e instanceof ODataQueryError && e.status === status && message.test(e.message),
  );
}

describe('system query options', () => {
  it('no options: everything, from the start, no count', () => {
    assert.deepEqual(parse({}), {
      filter: null,
      sort: [],
      select: null,
      skip: 0,
      top: null,
      count: false,
      skiptoken: null,
      ieee754: false,
    });
  });

  it('reads $select in the entity type order, $orderby, $top, $skip, $count and $skiptoken', () => {
    const q = parse({
      $select: 'n, summary,RowNumber',
      $orderby: 'price desc, Id,summary asc',
      $top: '20',
      $skip: '40',
      $count: 'true',
      $skiptoken: 'd1.5',
      custom: 'ignored',
    });
    assert.deepEqual(q.select, ['RowNumber', 'summary', 'n']);
    assert.deepEqual(q.sort, [
      { field: F.price, asc: false },
      { field: F.id, asc: true },
      { field: F.summary, asc: true },
    ]);
    assert.equal(q.top, 20);
    assert.equal(q.skip, 40);
    assert.equal(q.count, true);
    assert.equal(q.skiptoken, 'd1.5');
  });

  it('$select=* is every property; $orderby of the key ascending is the natural order', () => {
    assert.equal(parse({ $select: '*' }).select, null);
    assert.deepEqual(parse({ $orderby: 'RowNumber asc' }).sort, []);
    assert.equal(parse({ $orderby: 'RowNumber desc' }).sort[0].field.column, '_row');
  });

  it('IEEE754Compatible=true in $format', () => {
    assert.equal(parse({ $format: 'application/json;odata.metadata=minimal;IEEE754Compatible=true' }).ieee754, true);
    assert.equal(parse({ $format: 'json' }).ieee754, false);
    assert.deepEqual(formatParameters('application/json; IEEE754Compatible="true"'), { json: true, ieee754: true });
    assert.deepEqual(formatParameters('application/xml'), { json: false, ieee754: false });
  });

  it('refuses malformed options with 400 and unsupported ones with 501', () => {
    refused({ $expand: 'x' }, 501, /\$expand is not supported/);
    refused({ $search: 'x' }, 501, /\$search is not supported/);
    refused({ $apply: 'groupby((n))' }, 501, /\$apply is not supported/);
    refused({ $format: 'xml' }, 501, /format "xml" is not supported/);
    refused({ $frobnicate: '1' }, 400, /Unknown query option "\$frobnicate"/);
    refused({ $top: '-1' }, 400, /\$top must be a non-negative integer, got "-1"/);
    refused({ $top: 'ten' }, 400, /\$top must be a non-negative integer/);
    refused({ $skip: '99999999999999999' }, 400, /\$skip must be a non-negative integer/);
    refused({ $count: 'yes' }, 400, /\$count must be true or false, got "yes"/);
    refused({ $select: 'nope' }, 400, /Unknown property "nope" in \$select; properties are: RowNumber, Id/);
    refused({ $select: 'n,,Id' }, 400, /empty item/);
    refused({ $orderby: 'n sideways' }, 400, /Cannot read "n sideways" in \$orderby/);
    refused({ $orderby: 'n, n desc' }, 400, /\$orderby names "n" more than once/);
    refused({ $filter: ['n eq 1', 'n eq 2'] }, 400, /\$filter is given more than once/);
    refused({ $filter: 'n eq' }, 400, /^\$filter: the filter ends/);
    refused({ $filter: "summary eq 'a\u0000'" }, 400, /\$filter" contains a NUL character/);
  });
});

describe('the entity model', () => {
  it('makes names OData identifiers, unique with a suffix, ignoring case', () => {
    const taken = new Set<string>();
    assert.equal(odataIdentifier('Real Name', taken), 'Real_Name');
    assert.equal(odataIdentifier('Real_Name', taken), 'Real_Name_2');
    assert.equal(odataIdentifier('real name', taken), 'real_name_3');
    assert.equal(odataIdentifier('1st', taken), '_1st');
    assert.equal(odataIdentifier('%%', taken), 'Field');
    assert.equal(odataIdentifier('Zoë', taken), 'Zoë');
    assert.equal(odataIdentifier('x'.repeat(300), taken).length, 122);
  });

  it('types NUMBER as Int64 only where every value is an integer, and never lets a field take the key', () => {
    const fields: Field[] = [
      { name: 'RowNumber', type: 'NUMBER', column: 'c0' },
      { name: 'amount', type: 'NUMBER', column: 'c1' },
      { name: 'when', type: 'DATETIME', column: 'c2' },
    ];
    const [a, b] = buildModel([
      { kind: 'dataset', id: '1', name: 'Sales 2024', fields, int64Columns: new Set(['c0']) },
      { kind: 'widget', id: '2', name: 'Sales-2024', fields: [], int64Columns: new Set() },
    ]);
    assert.equal(a.name, 'Sales_2024');
    assert.equal(b.name, 'Sales_2024_2');
    assert.equal(a.key, 'RowNumber_2');
    assert.deepEqual(
      a.properties.map((p) => [p.name, p.edm]),
      [
        ['RowNumber', 'Edm.Int64'],
        ['amount', 'Edm.Decimal'],
        ['when', 'Edm.DateTimeOffset'],
      ],
    );
    assert.equal(a.byName.get('RowNumber_2')?.column, '_row');
    assert.equal(b.keyField, null);
    assert.equal(b.byName.has('RowNumber'), false, "a widget's row number is not a filterable property");
  });

  it('writes the metadata and service documents', () => {
    const [set] = buildModel([
      { kind: 'dataset', id: '1', name: 'T', fields: [F.summary, F.price], int64Columns: new Set() },
    ]);
    assert.equal(
      metadataXml([set]),
      '<?xml version="1.0" encoding="utf-8"?><edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" ' +
        'Version="4.0"><edmx:DataServices><Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" ' +
        'Namespace="Datagate"><EntityType Name="T"><Key><PropertyRef Name="RowNumber"/></Key>' +
        '<Property Name="RowNumber" Type="Edm.Int64" Nullable="false"/><Property Name="summary" Type="Edm.String"/>' +
        '<Property Name="price" Type="Edm.Decimal" Scale="variable"/></EntityType><EntityContainer Name="Container">' +
        '<EntitySet Name="T" EntityType="Datagate.T"/></EntityContainer></Schema></edmx:DataServices></edmx:Edmx>',
    );
    assert.equal(
      serviceDocument('https://x/odata/', [set]),
      '{"@odata.context":"https://x/odata/$metadata","value":[{"name":"T","kind":"EntitySet","url":"T"}]}',
    );
  });
});

describe('paging', () => {
  it('skip tokens carry the data version and the position', () => {
    assert.equal(encodeSkipToken({ version: { dataset: 3 }, position: 1000 }), 'd3.1000');
    assert.equal(encodeSkipToken({ version: { dataset: 3, widget: 2 }, position: 5 }), 'w2.d3.5');
    assert.deepEqual(decodeSkipToken('w2.d3.5'), { version: { dataset: 3, widget: 2 }, position: 5 });
    assert.deepEqual(decodeSkipToken('d3.1000'), { version: { dataset: 3 }, position: 1000 });
    for (const bad of ['', 'd3', 'x3.1', 'd3.-1', 'd3.1.2', 'd1.99999999999999999'])
      assert.equal(decodeSkipToken(bad), null);
  });

  it('reads odata.maxpagesize from Prefer, ignoring what is not a positive integer', () => {
    assert.equal(preferredPageSize('odata.maxpagesize=250'), 250);
    assert.equal(preferredPageSize('return=minimal, odata.maxpagesize = 10'), 10);
    assert.equal(preferredPageSize(['respond-async', 'maxpagesize=7']), 7);
    assert.equal(preferredPageSize('odata.maxpagesize=0'), undefined);
    assert.equal(preferredPageSize('odata.maxpagesize=abc'), undefined);
    assert.equal(preferredPageSize(undefined), undefined);
  });
});
