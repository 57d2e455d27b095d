import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Bucket } from './api-types';
import { addDecimals, compareDecimals, decimalForPlot } from './decimal';
import { Usd } from './ui';

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#4b5563', '#0d9488', '#9333ea'];
const MAX_SERIES = 10;
const OTHER = 'other';

export interface Series {
  label: string;
  /** Some of its usage has no price: its cost is the priced part, and the legend says so. */
  unpriced: boolean;
  color: string;
  total: string;
  /** Exact cost per bucket. */
  values: string[];
}

/**
 * The groups of every bucket as series, costliest first; past MAX_SERIES the rest are summed into one "other".
 * The group without a key is left out when it has no LLM cost: grouping by model, it is the tool calls, whose
 * compute cost the chart does not plot.
 */
export function toSeries(buckets: Bucket[], emptyKey: string): Series[] {
  const totals = new Map<string, string>();
  const unpriced = new Set<string>();
  const nullCost = { seen: false };
  for (const b of buckets) {
    for (const g of b.groups) {
      const k = g.key ?? emptyKey;
      totals.set(k, addDecimals(totals.get(k) ?? '0', g.costUsdExact ?? '0'));
      if (g.unpricedCalls > 0) unpriced.add(k);
      if (g.key === null && g.costUsdExact !== null && compareDecimals(g.costUsdExact, '0') !== 0) nullCost.seen = true;
    }
  }
  if (!nullCost.seen) totals.delete(emptyKey);
  const keys = [...totals.entries()].sort(([ka, a], [kb, b]) => compareDecimals(b, a) || ka.localeCompare(kb)).map(([k]) => k);
  const shown = keys.length > MAX_SERIES ? keys.slice(0, MAX_SERIES - 1) : keys;
  const rest = new Set(keys.slice(shown.length));
  const series: Series[] = shown.map((k, i) => ({
    label: k,
    unpriced: unpriced.has(k),
    color: PALETTE[i % PALETTE.length],
    total: totals.get(k)!,
    values: buckets.map((b) => b.groups.filter((g) => (g.key ?? emptyKey) === k).reduce((acc, g) => addDecimals(acc, g.costUsdExact ?? '0'), '0')),
  }));
  if (rest.size) {
    series.push({
      label: OTHER,
      unpriced: [...rest].some((k) => unpriced.has(k)),
      color: '#9ca3af',
      total: [...rest].reduce((acc, k) => addDecimals(acc, totals.get(k)!), '0'),
      values: buckets.map((b) => b.groups.filter((g) => rest.has(g.key ?? emptyKey)).reduce((acc, g) => addDecimals(acc, g.costUsdExact ?? '0'), '0')),
    });
  }
  return series;
}

/**
 * Stacked bars of cost per period. uPlot does not stack: each series is drawn as the running sum of the ones
 * below it, tallest first, so that each visible band is one series.
 */
const TICK_FORMAT: Record<string, Intl.DateTimeFormatOptions> = {
  hour: { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' },
  day: { month: 'short', day: 'numeric' },
  week: { month: 'short', day: 'numeric' },
  month: { year: 'numeric', month: 'short' },
};
const MAX_TICKS = 12;

export function CostChart({ buckets, series, tz, label, granularity }: { buckets: Bucket[]; series: Series[]; tz: string; label: string; granularity: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const host = el.current;
    if (!host || !buckets.length) return;
    const xs = buckets.map((b) => Date.parse(b.start) / 1000);
    const running: number[][] = [];
    series.forEach((s, i) => running.push(s.values.map((v, j) => decimalForPlot(v) + (i ? running[i - 1][j] : 0))));
    const order = series.map((_, i) => i).reverse();
    const bars = uPlot.paths.bars!({ size: [0.7, 64], align: 1 });
    // Ticks at period starts, labelled as the period is named in the viewer's zone (uPlot's own ticks fall on hours).
    const every = Math.ceil(xs.length / MAX_TICKS);
    const ticks = xs.filter((_, i) => i % every === 0);
    const fmt = new Intl.DateTimeFormat(undefined, { timeZone: tz, ...TICK_FORMAT[granularity] });
    const opts: uPlot.Options = {
      width: Math.max(280, host.clientWidth),
      height: 280,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), tz),
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] } },
      axes: [
        { splits: () => ticks, values: (_u, vs) => vs.map((t) => fmt.format(new Date(t * 1000))) },
        { values: (_u, vs) => vs.map((t) => `$${t}`), size: 64 },
      ],
      series: [{}, ...order.map((i) => ({ label: series[i].label, stroke: series[i].color, fill: series[i].color, width: 0, paths: bars, points: { show: false } }))],
    };
    const plot = new uPlot(opts, [xs, ...order.map((i) => running[i])], host);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, host.clientWidth), height: 280 }));
    resize.observe(host);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [buckets, series, tz, granularity]);
  return (
    <figure class="chart" data-testid="cost-chart" data-series={series.length}>
      <div ref={el} class="chart-canvas" role="img" aria-label={label} />
      <figcaption>
        <ul class="legend" aria-label="Series">
          {series.map((s) => (
            <li key={s.label} data-testid="chart-series" data-label={s.label}>
              <span class="swatch" style={{ background: s.color }} aria-hidden="true" />
              <span class="legend-label">{s.label}</span> <Usd value={s.total} />
              {s.unpriced && <span class="tag">{compareDecimals(s.total, '0') === 0 ? 'unpriced' : 'partly unpriced'}</span>}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
