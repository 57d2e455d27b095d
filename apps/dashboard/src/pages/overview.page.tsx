import { useMemo, useState } from 'preact/hooks';
import { get, getData, request } from '../api-client';
import { useApp, useScope } from '../app-context';
import type { CostSummary, ExecutionCost, RangeSummary, Timeseries } from '../api-types';
import { toSeries } from '../chart-series';
import { CostChart } from '../cost-chart';
import { compareDecimals, sumCounts } from '../decimal';
import { RangeControls, useResolvedRange } from '../range-controls';
import { href } from '../router';
import { defaultGranularity, formatInstant, type Granularity } from '../time-range';
import { Card, Count, Loading, Page, Problem, Usd } from '../ui';
import { useAsync } from '../use-async';

const GROUP_BY = [
  ['model', 'Model'],
  ['workflow', 'Workflow'],
  ['phase', 'Phase'],
  ['tool', 'Tool'],
  ['service_tier', 'Service tier'],
  ['speed', 'Speed'],
] as const;
/** What a group with key null is, per dimension (the API's GROUPS_DOC). */
const EMPTY_KEY: Record<string, string> = { model: '(tool calls)', workflow: '(no workflow)', phase: '(no phase)', tool: '(model calls)', service_tier: 'standard', speed: 'standard' };

/** Whether the API honoured `sort=-total_cost_usd` (API-NEEDS.md §1); an older server ignores it and lists by time. */
export const sortedByCost = (rows: ExecutionCost[]) => rows.every((r, i) => i === 0 || compareDecimals(rows[i - 1].total_cost_usd, r.total_cost_usd) >= 0);

export function OverviewPage() {
  const { range: choice, principal } = useApp();
  const scope = useScope();
  const range = useResolvedRange();
  const [groupBy, setGroupBy] = useState<string>('model');
  const [granularityChoice, setGranularity] = useState<Granularity | 'auto'>('auto');
  const ok = 'from' in range ? range : undefined;
  const granularity = granularityChoice === 'auto' && ok ? defaultGranularity(choice, ok) : (granularityChoice as Granularity);
  const ws = principal.workspace;

  const summary = useAsync(() => (ok ? getData<RangeSummary>('/v1/cost/summary', { ...scope, from: ok.from, to: ok.to }) : Promise.reject(new Error((range as { error: string }).error))), [ws, ok?.from, ok?.to]);
  const series = useAsync(
    () => (ok ? getData<Timeseries>('/v1/cost/timeseries', { ...scope, from: ok.from, to: ok.to, granularity, group_by: groupBy, tz: choice.tz }) : Promise.resolve(undefined)),
    [ws, ok?.from, ok?.to, granularity, groupBy, choice.tz],
  );
  const allTime = useAsync(() => get<CostSummary>('/costs/summary', scope), [ws]);
  const topExecutions = useAsync(async () => {
    const { body } = await request<ExecutionCost[]>('GET', '/costs/executions', { query: { ...scope, limit: 5, sort: '-total_cost_usd' } });
    return body;
  }, [ws]);

  const chartSeries = useMemo(() => (series.data ? toSeries(series.data.buckets, EMPTY_KEY[groupBy]) : []), [series.data, groupBy]);
  const s = summary.data;
  const totalTokens = s ? sumCounts(s.totalInputTokens, s.totalOutputTokens, s.totalCacheCreationTokens, s.totalCacheReadTokens) : undefined;
  const byCost = topExecutions.data && sortedByCost(topExecutions.data);

  return (
    <Page title="Overview" actions={<RangeControls />}>
      {s && s.unpricedCalls > 0 && (
        <p class="banner" role="status" data-testid="unpriced-banner">
          <strong>
            <Count value={s.unpricedCalls} /> {s.unpricedCalls === 1 ? 'call in this range has' : 'calls in this range have'} no price
          </strong>{' '}
          (their tokens count, their cost is not invented). <a href={href.page('unpriced')}>See the unpriced models and how to price them</a>.
        </p>
      )}
      <Problem error={summary.error} />
      <div class="cards">
        <Card label="LLM cost" hint={s && <>+ <Usd value={s.toolComputeCostUsdExact} /> tool compute</>}>
          {s ? <Usd value={s.totalCostUsdExact} testId="total-cost" /> : <Loading />}
        </Card>
        <Card label="Tokens" hint={s && <>in <Count value={s.totalInputTokens} compact /> · out <Count value={s.totalOutputTokens} compact /> · cache <Count value={s.totalCacheReadTokens + s.totalCacheCreationTokens} compact /></>}>
          {s ? <Count value={totalTokens} testId="total-tokens" /> : <Loading />}
        </Card>
        <Card label="Model calls" hint={s && <><Count value={s.totalToolCalls} /> tool calls</>}>
          {s ? <Count value={s.totalCalls} testId="total-calls" /> : <Loading />}
        </Card>
        <Card label="Runs">{s ? <Count value={s.totalRuns} testId="total-runs" /> : <Loading />}</Card>
      </div>

      <div class="panel">
        <div class="panel-head">
          <h2>Cost over time</h2>
          <div class="controls">
            <label>
              By
              <select data-testid="chart-group-by" value={groupBy} onChange={(e) => setGroupBy((e.target as HTMLSelectElement).value)}>
                {GROUP_BY.map(([v, l]) => (
                  <option key={v} value={v}>
                    {l}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Per
              <select data-testid="chart-granularity" value={granularityChoice} onChange={(e) => setGranularity((e.target as HTMLSelectElement).value as Granularity | 'auto')}>
                <option value="auto">auto ({ok ? defaultGranularity(choice, ok) : 'day'})</option>
                <option value="hour">hour</option>
                <option value="day">day</option>
                <option value="week">week</option>
                <option value="month">month</option>
              </select>
            </label>
          </div>
        </div>
        <Problem error={series.error} />
        {series.data ? (
          <>
            <CostChart
              buckets={series.data.buckets}
              series={chartSeries}
              tz={choice.tz}
              granularity={series.data.granularity}
              label={`Stacked bars of LLM cost per ${granularity} by ${groupBy.replace('_', ' ')}, ${series.data.buckets.length} periods in ${choice.tz}; the table below has the figures.`}
            />
            <details>
              <summary>The figures per period</summary>
              <div class="table-wrap">
                <table class="table compact">
                  <caption class="sr-only">LLM cost per period</caption>
                  <thead>
                    <tr>
                      <th scope="col">Period ({choice.tz})</th>
                      <th scope="col" class="num">Cost</th>
                      <th scope="col" class="num">Calls</th>
                    </tr>
                  </thead>
                  <tbody>
                    {series.data.buckets.map((b) => (
                      <tr key={b.start}>
                        <th scope="row">{formatInstant(b.start, choice.tz)}</th>
                        <td class="num"><Usd value={b.costUsdExact} /></td>
                        <td class="num"><Count value={b.calls} /></td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </details>
          </>
        ) : (
          !series.error && <Loading what="Loading the chart" />
        )}
      </div>

      <div class="grid3">
        <div class="panel">
          <h2>Top models</h2>
          {s ? (
            <div class="table-wrap">
            <table class="table compact" data-testid="top-models">
              <thead>
                <tr><th scope="col">Model</th><th scope="col" class="num">Cost</th><th scope="col" class="num">Calls</th></tr>
              </thead>
              <tbody>
                {s.byModel.slice(0, 10).map((m) => (
                  <tr key={m.model}>
                    <th scope="row" class="ellipsis" title={m.model}>{m.model}</th>
                    <td class="num">{m.costUsdExact === null ? <a href={href.page('unpriced')}>unpriced</a> : <Usd value={m.costUsdExact} />}</td>
                    <td class="num"><Count value={m.calls} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
            </div>
          ) : <Loading />}
          <p class="muted small">In the range.</p>
        </div>
        <div class="panel">
          <h2>Top sessions</h2>
          <Problem error={allTime.error} />
          {allTime.data ? (
            <table class="table compact" data-testid="top-sessions">
              <thead>
                <tr><th scope="col">Session</th><th scope="col" class="num">Cost</th></tr>
              </thead>
              <tbody>
                {allTime.data.top_sessions.slice(0, 10).map((t) => (
                  <tr key={t.session_id}>
                    <th scope="row" class="ellipsis"><a href={href.session(t.session_id)}>{t.session_id}</a></th>
                    <td class="num"><Usd value={t.total_cost_usd} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : <Loading />}
          <p class="muted small">All time (the API ranks sessions over all time).</p>
        </div>
        <div class="panel">
          <h2>{byCost ? 'Top executions' : 'Latest executions'}</h2>
          <Problem error={topExecutions.error} />
          {topExecutions.data ? (
            <table class="table compact" data-testid="top-executions">
              <thead>
                <tr><th scope="col">Execution</th><th scope="col" class="num">Cost</th></tr>
              </thead>
              <tbody>
                {topExecutions.data.map((e) => (
                  <tr key={e.execution_id}>
                    <th scope="row" class="ellipsis"><a href={href.execution(e.execution_id)}>{e.execution_id}</a></th>
                    <td class="num"><Usd value={e.total_cost_usd} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : <Loading />}
          <p class="muted small">{byCost ? 'All time, costliest first.' : 'Newest first: this server does not sort executions by cost yet.'}</p>
        </div>
      </div>
    </Page>
  );
}
