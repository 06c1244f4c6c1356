import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SAMPLE_BLOCK_ROWS, SAMPLE_BLOCKS, SAMPLE_ROWS, sampleStarts } from './page-strategies.ts';

describe("an estimated count's sample", () => {
  it('is runs of rows spread evenly over the table, inside it and apart, for any table above the sample', () => {
    for (const rows of [SAMPLE_ROWS + 1, 10_000, 1_000_003, 10_000_000]) {
      const starts = sampleStarts(rows);
      assert.equal(starts.length, SAMPLE_BLOCKS);
      assert.equal(starts[0], 1);
      assert.ok(starts[starts.length - 1] + SAMPLE_BLOCK_ROWS - 1 <= rows, String(rows));
      for (let i = 1; i < starts.length; i++) assert.ok(starts[i] >= starts[i - 1] + SAMPLE_BLOCK_ROWS, String(rows));
    }
    // Spread: the last run starts in the last 64th of the table.
    assert.ok(sampleStarts(1_000_000)[SAMPLE_BLOCKS - 1] > 1_000_000 * (1 - 1 / SAMPLE_BLOCKS));
  });
});
