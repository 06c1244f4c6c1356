import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration, parseInstant, parseWhen } from './durations.ts';

const NOW = Date.parse('2026-06-01T00:00:00Z');

describe('durations', () => {
  it('reads a whole number and one unit, and 0', () => {
    assert.deepEqual(parseDuration('90d'), { ok: true, value: 90 * 86_400_000 });
    assert.deepEqual(parseDuration('12h'), { ok: true, value: 12 * 3_600_000 });
    assert.deepEqual(parseDuration('30m'), { ok: true, value: 30 * 60_000 });
    assert.deepEqual(parseDuration('45s'), { ok: true, value: 45_000 });
    assert.deepEqual(parseDuration('2w'), { ok: true, value: 14 * 86_400_000 });
    assert.deepEqual(parseDuration('0'), { ok: true, value: 0 });
  });

  it('refuses anything else, saying what it wants', () => {
    for (const bad of ['', '12', '1.5h', '-1d', '1y', 'h', '12 h', 'soon', '99999999d']) {
      const r = parseDuration(bad);
      assert.equal(r.ok, false, bad);
      assert.ok(!r.ok && r.message.includes(`"${bad}"`), bad);
    }
  });
});

describe('instants', () => {
  it('reads an ISO date (midnight UTC) and a date-time with a zone', () => {
    assert.deepEqual(parseInstant('2027-01-31'), { ok: true, value: Date.parse('2027-01-31T00:00:00Z') });
    assert.deepEqual(parseInstant('2027-01-31T12:30:00+02:00'), {
      ok: true,
      value: Date.parse('2027-01-31T10:30:00Z'),
    });
  });

  it('refuses dates that do not exist, and times without a zone', () => {
    for (const bad of ['2027-02-30', '2027-13-01', '2027-01-31T25:00Z', '2027-01-31T12:00', '31/01/2027']) {
      assert.equal(parseInstant(bad).ok, false, bad);
    }
  });
});

describe('when something ends', () => {
  it('is a duration from now, or a future date/time', () => {
    assert.deepEqual(parseWhen('90d', NOW), { ok: true, value: '2026-08-30T00:00:00.000Z' });
    assert.deepEqual(parseWhen('2027-01-31', NOW), { ok: true, value: '2027-01-31T00:00:00.000Z' });
  });

  it('refuses the past, no time at all, and garbage', () => {
    assert.match((parseWhen('2020-01-01', NOW) as { message: string }).message, /in the past/);
    assert.match((parseWhen('0d', NOW) as { message: string }).message, /no time at all/);
    assert.match((parseWhen('tomorrow', NOW) as { message: string }).message, /neither a duration/);
    assert.match((parseWhen('5y', NOW) as { message: string }).message, /not a duration/);
  });
});
