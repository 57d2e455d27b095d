import type { Bucket, SeriesGroup } from './api-types';
import { toSeries } from './chart-series';

const group = (key: string | null, cost: string | null, unpricedCalls = 0): SeriesGroup => ({ key, costUsdExact: cost, calls: 1, toolCalls: 0, toolComputeCostUsdExact: '0', unpricedCalls });
const bucket = (start: string, groups: SeriesGroup[]): Bucket => ({ start, end: start, costUsdExact: '0', calls: 0, groups });

describe('the chart series of a time series', () => {
  it('draws one series per model, costliest first (ties by name), with exact totals, and leaves out the tool calls that carry no LLM cost', () => {
    const series = toSeries(
      [
        bucket('2026-12-01T00:00:00Z', [group('gpt-4o', '0.1'), group('claude', '0.3'), group(null, '0')]),
        bucket('2026-12-02T00:00:00Z', [group('gpt-4o', '0.2'), group('mine', null, 2), group(null, '0')]),
      ],
      '(tool calls)',
    );
    expect(series.map((s) => [s.label, s.total, s.values, s.unpriced])).toEqual([
      ['claude', '0.3', ['0.3', '0'], false],
      ['gpt-4o', '0.3', ['0.1', '0.2'], false],
      ['mine', '0', ['0', '0'], true],
    ]);
  });

  it('keeps a real key that reads like the key-less label (service tier "standard")', () => {
    const series = toSeries([bucket('2026-12-01T00:00:00Z', [group('standard', '1.5'), group('batch', '0.25')])], 'standard');
    expect(series.map((s) => s.label)).toEqual(['standard', 'batch']);
  });

  it('draws the key-less group when it has LLM cost (model calls, grouping by tool)', () => {
    const series = toSeries([bucket('2026-12-01T00:00:00Z', [group(null, '2'), group('bash', '0')])], '(model calls)');
    expect(series.map((s) => [s.label, s.total])).toEqual([['(model calls)', '2'], ['bash', '0']]);
  });

  it('sums the groups past the tenth into "other"', () => {
    const groups = Array.from({ length: 12 }, (_, i) => group(`m${String(i).padStart(2, '0')}`, `${12 - i}`));
    const series = toSeries([bucket('2026-12-01T00:00:00Z', groups)], '(tool calls)');
    expect(series).toHaveLength(10);
    expect(series[9]).toMatchObject({ label: 'other', total: '6' });
  });
});
