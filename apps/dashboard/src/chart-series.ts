import type { Bucket } from './api-types';
import { addDecimals, compareDecimals } from './decimal';

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#4b5563', '#0d9488', '#9333ea'];
const MAX_SERIES = 10;
const OTHER = 'other';
/** The group without a key, apart from any real key its label could equal. */
const NO_KEY = '\u0000';

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
      const k = g.key ?? NO_KEY;
      totals.set(k, addDecimals(totals.get(k) ?? '0', g.costUsdExact ?? '0'));
      if (g.unpricedCalls > 0) unpriced.add(k);
      if (g.key === null && g.costUsdExact !== null && compareDecimals(g.costUsdExact, '0') !== 0) nullCost.seen = true;
    }
  }
  if (!nullCost.seen) totals.delete(NO_KEY);
  const keys = [...totals.entries()].sort(([ka, a], [kb, b]) => compareDecimals(b, a) || ka.localeCompare(kb)).map(([k]) => k);
  const shown = keys.length > MAX_SERIES ? keys.slice(0, MAX_SERIES - 1) : keys;
  const rest = new Set(keys.slice(shown.length));
  const series: Series[] = shown.map((k, i) => ({
    label: k === NO_KEY ? emptyKey : k,
    unpriced: unpriced.has(k),
    color: PALETTE[i % PALETTE.length],
    total: totals.get(k)!,
    values: buckets.map((b) => b.groups.filter((g) => (g.key ?? NO_KEY) === k).reduce((acc, g) => addDecimals(acc, g.costUsdExact ?? '0'), '0')),
  }));
  if (rest.size) {
    series.push({
      label: OTHER,
      unpriced: [...rest].some((k) => unpriced.has(k)),
      color: '#9ca3af',
      total: [...rest].reduce((acc, k) => addDecimals(acc, totals.get(k)!), '0'),
      values: buckets.map((b) => b.groups.filter((g) => rest.has(g.key ?? NO_KEY)).reduce((acc, g) => addDecimals(acc, g.costUsdExact ?? '0'), '0')),
    });
  }
  return series;
}

/**
 * Stacked bars of cost per period. uPlot does not stack: each series is drawn as the running sum of the ones
 * below it, tallest first, so that each visible band is one series.
 */
