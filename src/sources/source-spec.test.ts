import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../shared/errors.ts';
import {
  checkReadQuery,
  checkSchedule,
  maskHeaders,
  maskUrl,
  nextRunAfter,
  redact,
  sourceKindOf,
  statementOf,
  unmaskHeaders,
  unmaskUrl,
} from './source-spec.ts';

const refused = (fn: () => unknown, msg: RegExp) =>
  assert.throws(fn, (e) => e instanceof DomainError && e.code === 'INVALID_INPUT' && msg.test(e.message));

describe('source URLs', () => {
  it('names its kind by scheme and refuses every other scheme', () => {
    assert.equal(sourceKindOf('postgres://u@h/db'), 'postgres');
    assert.equal(sourceKindOf('postgresql://u@h/db'), 'postgres');
    assert.equal(sourceKindOf('mysql://u@h/db'), 'mysql');
    assert.equal(sourceKindOf('https://example.com/x.csv'), 'http');
    for (const url of ['file:///etc/passwd', 'ftp://h/x.csv', 'gopher://h/', 'redis://h:6379', 'javascript:alert(1)'])
      refused(() => sourceKindOf(url), /unsupported source scheme|names no host/);
    refused(() => sourceKindOf('not a url'), /not a valid URL/);
  });

  it('masks a password and credential-like query values, and nothing else', () => {
    assert.equal(maskUrl('postgres://reader:s3cret@db:5432/crm'), 'postgres://reader:****@db:5432/crm');
    assert.equal(
      maskUrl('https://api.example.com/t.json?page=2&api_key=abc123&access_token=xyz'),
      'https://api.example.com/t.json?page=2&api_key=****&access_token=****',
    );
    assert.equal(maskUrl('https://example.com/t.csv'), 'https://example.com/t.csv');
  });

  it('masks header values but those that never carry a credential, keeping the auth scheme', () => {
    assert.deepEqual(maskHeaders({ Authorization: 'Bearer abcdef', 'X-Api-Key': 'k123', Accept: 'text/csv' }), {
      Authorization: 'Bearer ****',
      'X-Api-Key': '****',
      Accept: 'text/csv',
    });
  });

  it('redacts every secret of a source from a message', () => {
    const spec = { url: 'https://u:pa55word@h/x?token=tok-9876', headers: { Authorization: 'Bearer hdr-secret' } };
    const text = redact(`failed https://u:pa55word@h/x?token=tok-9876 with pa55word, tok-9876 and hdr-secret`, spec);
    for (const s of ['pa55word', 'tok-9876', 'hdr-secret']) assert.ok(!text.includes(s), text);
    assert.match(text, /\*\*\*\*/);
  });
});

describe('source queries', () => {
  it('accepts one read statement, with a trailing semicolon, literals and comments', () => {
    for (const q of [
      'SELECT 1',
      'select * from t;',
      "SELECT ';DROP TABLE x' AS s -- ; comment\n",
      'WITH a AS (SELECT 1) SELECT * FROM a',
      '(SELECT 1) UNION (SELECT 2)',
      'SELECT $$;$$, "we;ird" FROM t /* ; */',
      'VALUES (1), (2)',
    ])
      checkReadQuery(q, 'postgres');
    assert.equal(statementOf(' SELECT 1 ; '), 'SELECT 1');
  });

  it('refuses several statements and anything but a read', () => {
    refused(() => checkReadQuery('SELECT 1; DROP TABLE t', 'postgres'), /several statements/);
    refused(() => checkReadQuery("SELECT 'a'; DELETE FROM t", 'mysql'), /several statements/);
    refused(() => checkReadQuery('DELETE FROM t', 'postgres'), /one read statement .* not DELETE/);
    refused(() => checkReadQuery('UPDATE t SET a = 1', 'mysql'), /not UPDATE/);
    refused(() => checkReadQuery('', 'postgres'), /not empty/);
    refused(() => checkReadQuery("SELECT * FROM t INTO OUTFILE '/tmp/x'", 'mysql'), /OUTFILE/);
  });
});

describe('schedules', () => {
  it('accepts five-field cron and nicknames, in UTC', () => {
    assert.equal(checkSchedule(' 0 3 * * * '), '0 3 * * *');
    assert.equal(checkSchedule(''), '');
    checkSchedule('@hourly');
    const after = Date.UTC(2026, 0, 1, 2, 59, 30);
    assert.equal(nextRunAfter('0 3 * * *', after)?.toISOString(), '2026-01-01T03:00:00.000Z');
    assert.equal(nextRunAfter('* * * * *', after)?.toISOString(), '2026-01-01T03:00:00.000Z');
  });

  it('refuses a schedule more often than once a minute, or one that is not cron', () => {
    refused(() => checkSchedule('* * * * * *'), /6 fields.*at most once a minute/);
    refused(() => checkSchedule('*/10 * * * * *'), /at most once a minute/);
    refused(() => checkSchedule('every day'), /fields|not valid cron/);
    refused(() => checkSchedule('61 * * * *'), /not valid cron/);
  });
});

describe('an edit’s masked credentials', () => {
  const stored = 'https://reader:p%40ss@api.example.com/v1/rows.csv?page=2&token=t0k-secret&q=a%20b';

  it('a URL sent back as shown is the stored one, byte for byte', () => {
    assert.equal(unmaskUrl(maskUrl(stored), stored), stored);
    assert.equal(unmaskUrl('https://other.example.com/x.csv', stored), 'https://other.example.com/x.csv');
  });

  it('a masked password or parameter on the same server is the stored one; others are kept as written', () => {
    assert.equal(
      unmaskUrl('https://reader:****@api.example.com/v2/rows.csv?token=****&extra=1', stored),
      'https://reader:p%40ss@api.example.com/v2/rows.csv?token=t0k-secret&extra=1',
    );
  });

  it('refuses a masked value for another host, port, scheme or user, or one never stored', () => {
    for (const url of [
      'https://reader:****@evil.example.com/v1/rows.csv',
      'https://reader:****@api.example.com:8443/v1/rows.csv',
      'http://reader:****@api.example.com/v1/rows.csv',
      'https://admin:****@api.example.com/v1/rows.csv',
    ])
      refused(() => unmaskUrl(url, stored), /url: .*another server or user/);
    refused(() => unmaskUrl('https://reader:x@api.example.com/?secret=****', stored), /parameter "secret"/);
    refused(() => unmaskUrl('https://****@api.example.com/', 'https://api.example.com/'), /another server or user/);
    refused(
      () => unmaskUrl('https://u:****@api.example.com/', 'https://u@api.example.com/'),
      /no password is stored|none is stored/,
    );
    refused(() => unmaskUrl('not a url ****', stored), /not a valid URL/);
  });

  it('headers: a value as shown is the stored one, a new one replaces it, a bare mask is refused', () => {
    const headers = { Authorization: 'Bearer s3cret-token', 'X-Key': 'k3y-value', Accept: 'text/csv' };
    const url = 'https://api.example.com/a.csv';
    assert.deepEqual(
      unmaskHeaders({ authorization: 'Bearer ****', 'X-Key': 'new', Accept: 'text/csv' }, headers, url, url),
      { authorization: 'Bearer s3cret-token', 'X-Key': 'new', Accept: 'text/csv' },
    );
    refused(() => unmaskHeaders({ 'X-Other': '****' }, headers, url, url), /"X-Other" is masked .*no value is stored/);
    refused(
      () => unmaskHeaders({ 'X-Key': '****' }, headers, 'https://evil.example.com/a.csv', url),
      /headers: "X-Key" keeps its masked value but the URL names another server/,
    );
  });
});
