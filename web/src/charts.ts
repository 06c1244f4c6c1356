// One ECharts helper for the console: the modules the console draws with, registered
// once, and a composable that binds a chart to an element and an option.
import { onBeforeUnmount, onMounted, watch, type Ref } from 'vue';
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import type { EChartsCoreOption } from 'echarts/core';

echarts.use([
  BarChart,
  LineChart,
  PieChart,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
  CanvasRenderer,
]);

export type ChartOption = EChartsCoreOption;

/** The console's series colours: Element Plus's primary first, then distinct hues. */
export const palette = ['#409eff', '#67c23a', '#e6a23c', '#f56c6c', '#909399', '#9b59b6', '#1abc9c', '#34495e'];

/**
 * Draws `option` into `el` while the component lives: redraws when the option changes,
 * follows the element's size, disposes on unmount. A null option clears the chart.
 */
// Charts grow in with an animation unless the system asks for reduced motion.
const reducedMotion = () => window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;

export function useEChart(el: Ref<HTMLElement | null | undefined>, option: Ref<ChartOption | null>): void {
  let chart: echarts.ECharts | null = null;
  let observer: ResizeObserver | null = null;

  const draw = () => {
    if (!el.value) return;
    if (!chart) chart = echarts.init(el.value, undefined, { renderer: 'canvas' });
    if (option.value)
      chart.setOption({ color: palette, animation: !reducedMotion(), ...option.value }, { notMerge: true });
    else chart.clear();
    // What the chart instance draws, for tests: its number of series.
    const drawn = chart.getOption() as { series?: unknown[] } | undefined;
    el.value.dataset.drawnSeries = String(drawn?.series?.length ?? 0);
  };

  onMounted(() => {
    draw();
    if (el.value) {
      observer = new ResizeObserver(() => chart?.resize());
      observer.observe(el.value);
    }
  });
  watch(option, draw, { deep: true });
  watch(el, (now, before) => {
    if (now === before) return;
    chart?.dispose();
    chart = null;
    observer?.disconnect();
    if (now) {
      draw();
      observer = new ResizeObserver(() => chart?.resize());
      observer.observe(now);
    }
  });
  onBeforeUnmount(() => {
    observer?.disconnect();
    chart?.dispose();
    chart = null;
  });
}
