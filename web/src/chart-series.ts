// How a widget result becomes the series of a bar or line chart. Pure: rows in, categories
// and series out, so that it is tested without a browser.

/** One series of a bar or line chart: its legend name, the measure it draws and a value per category. */
export interface ChartSeries {
  readonly name: string;
  /** Index of the measure in the result's measures (picks the y axis when there are two). */
  readonly measure: number;
  /** One value per category, null where the result has no row for it. */
  readonly values: (number | null)[];
}

export interface ChartSeriesSet {
  /** The x axis: the first dimension's values (all dimensions joined when there are fewer than two). */
  readonly categories: string[];
  readonly series: ChartSeries[];
  /** True when a dimension after the first splits the measures into series. */
  readonly split: boolean;
}

/** A cell as a number, or null when it is empty or not a number. */
export function chartNumber(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

function cell(row: Record<string, unknown>, label: string): string {
  const v = row[label];
  return v === null || v === undefined ? '(empty)' : String(v);
}

/**
 * The categories and series of a result. One dimension (or none): a category per row
 * (its dimension values joined, "All rows" without dimensions) and a series per measure.
 * Two or more: the first dimension is the x axis and the others, joined, name a series
 * per value and measure ("Closed", or "Closed · Hours" with several measures); a
 * category with no row for a series has null there. Categories and series keep the
 * order in which the rows first show them; two rows for the same cell (a result
 * limited or sorted so) add up.
 */
export function buildChartSeries(
  rows: readonly Record<string, unknown>[],
  dimensions: readonly string[],
  measures: readonly string[],
): ChartSeriesSet {
  if (dimensions.length < 2) {
    const categories = rows.map((r) =>
      dimensions.length ? dimensions.map((d) => cell(r, d)).join(' · ') : 'All rows',
    );
    const series = measures.map((m, i) => ({ name: m, measure: i, values: rows.map((r) => chartNumber(r[m])) }));
    return { categories, series, split: false };
  }
  const [x, ...rest] = dimensions;
  const categories: string[] = [];
  const catIndex = new Map<string, number>();
  const keys: string[] = [];
  const cells = new Map<string, Map<number, (number | null)[]>>();
  for (const r of rows) {
    const c = cell(r, x);
    let ci = catIndex.get(c);
    if (ci === undefined) {
      ci = categories.length;
      categories.push(c);
      catIndex.set(c, ci);
    }
    const key = rest.map((d) => cell(r, d)).join(' · ');
    let byCat = cells.get(key);
    if (!byCat) {
      byCat = new Map();
      cells.set(key, byCat);
      keys.push(key);
    }
    const values = measures.map((m) => chartNumber(r[m]));
    const had = byCat.get(ci);
    byCat.set(ci, had ? had.map((v, i) => (v === null ? values[i] : v + (values[i] ?? 0))) : values);
  }
  const series: ChartSeries[] = [];
  measures.forEach((m, mi) => {
    for (const key of keys) {
      const byCat = cells.get(key)!;
      series.push({
        name: measures.length > 1 ? `${key} · ${m}` : key,
        measure: mi,
        values: categories.map((_c, ci) => byCat.get(ci)?.[mi] ?? null),
      });
    }
  });
  return { categories, series, split: true };
}
