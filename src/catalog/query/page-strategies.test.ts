import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SAMPLE_BLOCK_ROWS, SAMPLE_BLOCKS, SAMPLE_ROWS, sampleStarts } from './page-strategies.ts';

describe("an estimated count's sample", () => {
  it('is one run of rows in each stretch of the table, inside it, for any table above the sample', () => {
    for (const rows of [SAMPLE_ROWS + 1, 10_000, 1_000_003, 10_000_000]) {
      const starts = sampleStarts(rows);
      const stride = Math.floor(rows / SAMPLE_BLOCKS);
      assert.equal(starts.length, SAMPLE_BLOCKS);
      starts.forEach((s, i) => {
        assert.ok(s >= i * stride + 1, `${rows}: run ${i} starts before its stretch`);
        assert.ok(s + SAMPLE_BLOCK_ROWS - 1 <= (i + 1) * stride, `${rows}: run ${i} ends after its stretch`);
      });
      assert.deepEqual(sampleStarts(rows), starts, 'the same sample every time');
    }
  });

  it('does not meet data that repeats every N rows at one phase', () => {
    // Every 25th row matches (4 %): evenly spaced runs from row 1 would see 2 in 64 (3.1 %).
    const starts = sampleStarts(1_000_000);
    let matches = 0;
    for (const s of starts) for (let r = s; r < s + SAMPLE_BLOCK_ROWS; r++) if (r % 25 === 0) matches++;
    assert.ok(Math.abs(matches / SAMPLE_ROWS - 0.04) < 0.002, String(matches / SAMPLE_ROWS));
  });
});
