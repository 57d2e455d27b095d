import { useState } from 'preact/hooks';
import { getData } from '../api-client';
import { useApp, useScope } from '../app-context';
import type { Reconciliation, ReconciliationFigures } from '../api-types';
import { formatRatioPercent as ratioPercent } from '../decimal';
import { RangeControls, useResolvedRange } from '../range-controls';
import { href } from '../router';
import { formatInstant } from '../time-range';
import { Card, Count, Loading, Page, Problem, Usd } from '../ui';
import { useAsync } from '../use-async';

function FiguresRow({ g, label }: { g: ReconciliationFigures; label: string }) {
  return (
    <tr data-testid="reconciliation-row">
      <th scope="row" class="ellipsis">{label}</th>
      <td class="num"><Count value={g.calls} /></td>
      <td class="num"><Count value={g.reconciledCalls} /></td>
      <td class="num"><Usd value={g.computedCostUsdExact} /></td>
      <td class="num"><Usd value={g.reportedCostUsdExact} /></td>
      <td class="num">{g.driftUsdExact === null ? '—' : <Usd value={g.driftUsdExact} signed />}</td>
      <td class="num">{ratioPercent(g.driftRatio)}</td>
      <td class="num hide-narrow">{g.unpricedReportedCalls ? <><Count value={g.unpricedReportedCalls} /> (<Usd value={g.unpricedReportedCostUsdExact} />)</> : '—'}</td>
    </tr>
  );
}

export function ReconciliationPage() {
  const { principal, range: choice } = useApp();
  const scope = useScope();
  const range = useResolvedRange();
  const ok = 'from' in range ? range : undefined;
  const [groupBy, setGroupBy] = useState('model');
  const rec = useAsync(() => getData<Reconciliation>('/v1/cost/reconciliation', { ...scope, from: ok?.from, to: ok?.to, group_by: groupBy }), [principal.workspace, ok?.from, ok?.to, groupBy]);
  const r = rec.data;
  return (
    <Page title="Reconciliation" actions={<RangeControls />}>
      <p class="muted">The ledger's computed cost beside the cost the runtimes reported, over the calls that have both. Drift is computed − reported; the computed cost is never replaced by the reported one.</p>
      <Problem error={rec.error} />
      {!r ? (
        !rec.error && <Loading />
      ) : (
        <>
          <div class="cards">
            <Card label="Computed" hint={<><Count value={r.total.reconciledCalls} /> of <Count value={r.total.calls} /> calls reported a cost</>}>
              <Usd value={r.total.computedCostUsdExact} testId="reconciliation-computed" />
            </Card>
            <Card label="Reported"><Usd value={r.total.reportedCostUsdExact} testId="reconciliation-reported" /></Card>
            <Card label="Drift" hint={ratioPercent(r.total.driftRatio)}>
              {r.total.driftUsdExact === null ? '—' : <Usd value={r.total.driftUsdExact} signed testId="reconciliation-drift" />}
            </Card>
          </div>
          <div class="panel">
            <div class="panel-head">
              <h2>By {groupBy}</h2>
              <label>
                Group by
                <select value={groupBy} onChange={(e) => setGroupBy((e.target as HTMLSelectElement).value)}>
                  <option value="model">model</option>
                  <option value="workflow">workflow</option>
                  <option value="phase">phase</option>
                </select>
              </label>
            </div>
            <div class="table-wrap">
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">{groupBy}</th>
                    <th scope="col" class="num">Calls</th>
                    <th scope="col" class="num">Reconciled</th>
                    <th scope="col" class="num">Computed</th>
                    <th scope="col" class="num">Reported</th>
                    <th scope="col" class="num">Drift</th>
                    <th scope="col" class="num">Drift %</th>
                    <th scope="col" class="num hide-narrow">Reported, unpriced here</th>
                  </tr>
                </thead>
                <tbody>
                  {(r.groups ?? []).map((g) => <FiguresRow key={String(g.key)} g={g} label={g.key ?? '(none)'} />)}
                </tbody>
              </table>
            </div>
          </div>
          <div class="panel">
            <h2>Worst drift</h2>
            {r.worstCalls.length === 0 ? (
              <p class="muted">No call reported a cost in this range.</p>
            ) : (
              <div class="table-wrap">
                <table class="table">
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Session</th>
                      <th scope="col">Model</th>
                      <th scope="col" class="num">Computed</th>
                      <th scope="col" class="num">Reported</th>
                      <th scope="col" class="num">Drift</th>
                      <th scope="col" class="num">Drift %</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.worstCalls.map((c) => (
                      <tr key={c.eventId} data-testid="worst-call-row">
                        <td>{formatInstant(c.occurredAt, choice.tz, true)}</td>
                        <th scope="row" class="ellipsis"><a href={href.session(c.sessionId)}>{c.sessionId}</a></th>
                        <td class="ellipsis">{c.model}</td>
                        <td class="num"><Usd value={c.computedCostUsdExact} /></td>
                        <td class="num"><Usd value={c.reportedCostUsdExact} /></td>
                        <td class="num"><Usd value={c.driftUsdExact} signed /></td>
                        <td class="num">{ratioPercent(c.driftRatio)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
        </>
      )}
    </Page>
  );
}
