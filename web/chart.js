// The loss chart (uPlot, vendored in web/vendor/): training loss per step, held-out loss when
// evaluated (a run that holds nothing out has no held-out line, nor one in the legend). Redrawn
// with the new labels when the interface language changes.

import uPlot from './vendor/uPlot.esm.js';
import { onLangChange, t } from './i18n.js';

const HEIGHT = 260;
let chart = null;
let el = null;
export const series = [[], [], []]; // step, train loss, held-out loss
let withHeldout = false; // whether the held-out line (and its legend entry) is drawn
const shown = () => (withHeldout ? series : series.slice(0, 2));

function build() {
  chart?.destroy();
  const width = Math.max(320, el.clientWidth || 640);
  chart = new uPlot({
    width,
    height: HEIGHT,
    scales: { x: { time: false } },
    // Steps are whole numbers: ticks at 1, 2, 5, 10… apart (uPlot would draw 0.5 on a short run).
    axes: [{ label: t('chart.step'), incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }, { label: t('chart.loss') }],
    series: [
      { label: t('chart.step') },
      { label: t('chart.train'), stroke: '#1d6f5f', width: 2, points: { show: true, size: 4 } },
      { label: t('chart.heldout'), stroke: '#c2572b', width: 2, dash: [6, 4], spanGaps: true, points: { show: true, size: 5 } },
    ].slice(0, withHeldout ? 3 : 2),
  }, shown(), el);
}

// Whether the run shown has a held-out set (web/heldout.js).
export function showHeldoutSeries(on) {
  if (on === withHeldout) return;
  withHeldout = on;
  if (el) build();
}

export function makeChart(container) {
  el = container;
  build();
  new ResizeObserver(() => chart.setSize({ width: Math.max(320, el.clientWidth), height: HEIGHT })).observe(el);
  onLangChange(build);
}

function setData() {
  chart.setData(shown());
  const empty = document.getElementById('chart-empty');
  if (empty) empty.hidden = series[0].length > 0;
}

export function clearChart() {
  for (const s of series) s.length = 0;
  setData();
}

export function addPoint(step, loss, heldout) {
  series[0].push(step);
  series[1].push(loss);
  series[2].push(heldout ?? null);
  setData();
}

export function setPoints(points) {
  for (const s of series) s.length = 0;
  for (const p of points) {
    series[0].push(p.step);
    series[1].push(p.loss);
    series[2].push(p.heldout_loss ?? null);
  }
  setData();
}
