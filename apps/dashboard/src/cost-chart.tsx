import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Bucket } from './api-types';
import type { Series } from './chart-series';
import { compareDecimals, decimalForPlot } from './decimal';
import { Usd } from './ui';

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
