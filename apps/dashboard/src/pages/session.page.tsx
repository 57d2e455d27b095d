import { ApiError, get, getData } from '../api-client';
import { useApp, useScope } from '../app-context';
import type { RunCall, RunCost, SessionCalls, SessionCost } from '../api-types';
import { subtractDecimals } from '../decimal';
import { href } from '../router';
import { formatClock, formatDuration, formatInstant } from '../time-range';
import { Card, CostMapTable, Count, Loading, Page, Problem, Status, Usd } from '../ui';
import { useAsync } from '../use-async';
import { TokenClasses } from './execution.page';

const MAX_PAGES = 20;

/**
 * The session's calls, oldest first: from `/v1/sessions/{id}/calls` (API-NEEDS.md §2), or, on a server without
 * it, from its execution's calls, which carry no reported cost per call.
 */
async function loadCalls(session: SessionCost, scope: { workspace_id?: string }): Promise<{ calls: RunCall[]; perCallReported: boolean }> {
  const calls: RunCall[] = [];
  let cursor: string | null = null;
  try {
    for (let i = 0; i < MAX_PAGES; i++) {
      const page: SessionCalls = await getData<SessionCalls>(`/v1/sessions/${encodeURIComponent(session.session_id)}/calls`, { ...scope, calls_limit: 1000, calls_cursor: cursor });
      calls.push(...page.calls);
      cursor = page.nextCallsCursor;
      if (!cursor) return { calls, perCallReported: true };
    }
    return { calls, perCallReported: true };
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404 && /route not found/i.test(e.message)) || !session.execution_id) throw e;
  }
  for (let i = 0; i < MAX_PAGES; i++) {
    const page: RunCost = await getData<RunCost>(`/v1/workflow-runs/${encodeURIComponent(session.execution_id)}/cost`, { ...scope, workspace_id: session.workspace_id, calls_limit: 1000, calls_cursor: cursor });
    calls.push(...page.calls.filter((c) => c.sessionId === session.session_id));
    cursor = page.nextCallsCursor;
    if (!cursor) break;
  }
  return { calls, perCallReported: false };
}

function drift(c: RunCall): string | null {
  if (c.costDriftUsdExact !== undefined) return c.costDriftUsdExact;
  return c.reportedCostUsdExact && c.costUsdExact ? subtractDecimals(c.costUsdExact, c.reportedCostUsdExact) : null;
}

export function SessionPage({ id }: { id: string }) {
  const { principal, range } = useApp();
  const scope = useScope();
  const sess = useAsync(() => get<SessionCost>(`/costs/sessions/${encodeURIComponent(id)}`, scope), [id, principal.workspace]);
  const calls = useAsync(() => (sess.data ? loadCalls(sess.data, scope) : new Promise<never>(() => {})), [sess.data]);
  const s = sess.data;
  // A token class no call used gets no column, so that the figures that matter fit a laptop's width.
  const list = calls.data?.calls ?? [];
  const used = {
    reasoning: list.some((c) => c.reasoningTokens > 0),
    cacheWrite: list.some((c) => c.cacheCreationTokens > 0),
    cacheRead: list.some((c) => c.cacheReadTokens > 0),
    webSearch: list.some((c) => c.webSearchRequests > 0),
  };
  return (
    <Page title={<>Session <code>{id}</code></>}>
      <p class="crumbs">
        <a href={href.page('executions')}>Executions</a>
        {s?.execution_id && <> / <a href={href.execution(s.execution_id)}>{s.execution_id}</a></>}
      </p>
      <Problem error={sess.error} />
      {!s ? (
        !sess.error && <Loading />
      ) : (
        <>
          <div class="cards">
            <Card label="Total cost" hint={<>tokens <Usd value={s.token_cost_usd} /> · tools <Usd value={s.compute_cost_usd} /></>}>
              <Usd value={s.total_cost_usd} testId="session-total" />
            </Card>
            <Card label="Reported by the runtime" hint={s.cost_drift_usd !== null ? <>drift <Usd value={s.cost_drift_usd} signed /></> : 'no call reported a cost'}>
              <Usd value={s.reported_cost_usd} />
            </Card>
            <Card label="Turns" hint={<>{formatDuration(s.duration_ms)} · <Count value={s.tool_calls} /> tool calls</>}>
              <Count value={s.turns} />
            </Card>
            <Card label="Status" hint={formatInstant(s.started_at, range.tz)}>
              <Status state={s.is_finalized ? 'finalized' : 'running'} />
            </Card>
          </div>
          <div class="panel">
            <h2>Calls</h2>
            <Problem error={calls.error} />
            {calls.data && !calls.data.perCallReported && (
              <p class="note">Reported cost per call needs the API extension in API-NEEDS.md; the session's reported total is above.</p>
            )}
            {calls.data ? (
              <div class="table-wrap">
                <table class="table calls">
                  <caption class="sr-only">The session's model calls, oldest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">#</th>
                      <th scope="col">When</th>
                      <th scope="col">Step</th>
                      <th scope="col">Model</th>
                      <th scope="col" class="num">Input</th>
                      <th scope="col" class="num">Output</th>
                      {used.reasoning && <th scope="col" class="num hide-narrow">Reasoning</th>}
                      {used.cacheWrite && <th scope="col" class="num hide-narrow">Cache write</th>}
                      {used.cacheRead && <th scope="col" class="num hide-narrow">Cache read</th>}
                      {used.webSearch && <th scope="col" class="num hide-narrow">Searches</th>}
                      <th scope="col" class="num">Cost</th>
                      <th scope="col" class="num">Reported</th>
                      <th scope="col" class="num">Drift</th>
                    </tr>
                  </thead>
                  <tbody>
                    {calls.data.calls.map((c, i) => {
                      const d = drift(c);
                      return (
                        <tr key={c.eventId} data-testid="call-row" data-id={c.eventId}>
                          <td>{i + 1}</td>
                          <td class="nowrap" title={formatInstant(c.createdAt, range.tz, true)}>{formatClock(c.createdAt, range.tz)}</td>
                          <td class="nowrap">{c.stepName ?? '—'}</td>
                          <th scope="row" class="ellipsis" title={c.priceRef ? `priced by ${c.priceRef}` : 'no price'}>
                            {c.model}
                            {[c.serviceTier, c.speed, c.inferenceGeo].filter(Boolean).map((m) => <span key={m} class="tag">{m}</span>)}
                          </th>
                          <td class="num"><Count value={c.inputTokens} /></td>
                          <td class="num"><Count value={c.outputTokens} /></td>
                          {used.reasoning && <td class="num hide-narrow"><Count value={c.reasoningTokens} /></td>}
                          {used.cacheWrite && <td class="num hide-narrow"><Count value={c.cacheCreationTokens} />{c.cacheCreation1hTokens > 0 && <div class="muted small">1h <Count value={c.cacheCreation1hTokens} /></div>}</td>}
                          {used.cacheRead && <td class="num hide-narrow"><Count value={c.cacheReadTokens} /></td>}
                          {used.webSearch && <td class="num hide-narrow"><Count value={c.webSearchRequests} /></td>}
                          <td class="num">
                            {c.costUsdExact === null ? <a href={href.page('unpriced')} class="tag">unpriced</a> : <Usd value={c.costUsdExact} />}
                            {c.pricingStatus === 'partial' && <span class="tag">partial</span>}
                          </td>
                          <td class="num">{c.reportedCostUsdExact ? <Usd value={c.reportedCostUsdExact} /> : <span class="muted">—</span>}</td>
                          <td class="num">{d ? <Usd value={d} signed /> : <span class="muted">—</span>}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            ) : (
              !calls.error && <Loading what="Loading the calls" />
            )}
          </div>
          <div class="grid2">
            <CostMapTable title="Cost by model" keyLabel="Model" map={s.cost_by_model} />
            <CostMapTable title="Cost by token class" keyLabel="Class" map={s.cost_by_class} />
            <CostMapTable title="Cost by tool" keyLabel="Tool" map={s.cost_by_tool} />
            <TokenClasses v={s} />
          </div>
        </>
      )}
    </Page>
  );
}
