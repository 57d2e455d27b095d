import { get } from '../api-client';
import { useApp, useScope } from '../app-context';
import type { ExecutionCost, SessionCost } from '../api-types';
import { href } from '../router';
import { formatDuration, formatInstant } from '../time-range';
import { Card, CostMapTable, Count, Loading, Page, Problem, Status, Usd } from '../ui';
import { useAsync } from '../use-async';

export function TokenClasses({ v }: { v: { input_tokens: number; output_tokens: number; reasoning_tokens: number; cache_creation_tokens: number; cache_creation_1h_tokens: number; cache_read_tokens: number; web_search_requests: number; total_tokens: number } }) {
  const rows: Array<[string, number]> = [
    ['Input', v.input_tokens],
    ['Output', v.output_tokens],
    ['of which reasoning', v.reasoning_tokens],
    ['Cache writes', v.cache_creation_tokens],
    ['of which 1-hour', v.cache_creation_1h_tokens],
    ['Cache reads', v.cache_read_tokens],
    ['Web searches', v.web_search_requests],
    ['Total tokens', v.total_tokens],
  ];
  return (
    <div class="panel">
      <h2>Usage</h2>
      <table class="table compact">
        <tbody>
          {rows.map(([l, n]) => (
            <tr key={l}>
              <th scope="row" class={l.startsWith('of which') ? 'indent' : undefined}>{l}</th>
              <td class="num"><Count value={n} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const SESSIONS_LIMIT = 200;

export function ExecutionPage({ id }: { id: string }) {
  const { principal, range } = useApp();
  const scope = useScope();
  const exec = useAsync(() => get<ExecutionCost>(`/costs/executions/${encodeURIComponent(id)}`, { ...scope, include_session_ids: true }), [id, principal.workspace]);
  const sessions = useAsync(() => get<SessionCost[]>('/costs/sessions', { ...scope, execution_id: id, limit: SESSIONS_LIMIT }), [id, principal.workspace]);
  const e = exec.data;
  return (
    <Page title={<>Execution <code>{id}</code></>}>
      <p class="crumbs"><a href={href.page('executions')}>← Executions</a></p>
      <Problem error={exec.error} />
      {!e ? (
        !exec.error && <Loading />
      ) : (
        <>
          <div class="cards">
            <Card label="Total cost" hint={<>tokens <Usd value={e.token_cost_usd} /> · tools <Usd value={e.compute_cost_usd} /></>}>
              <Usd value={e.total_cost_usd} testId="execution-total" />
            </Card>
            <Card label="Reported by the runtime" hint={e.cost_drift_usd !== null ? <>drift <Usd value={e.cost_drift_usd} signed /></> : 'no call reported a cost'}>
              <Usd value={e.reported_cost_usd} />
            </Card>
            <Card label="Tokens"><Count value={e.total_tokens} /></Card>
            <Card label="Status" hint={<>{formatInstant(e.started_at, range.tz)} · {formatDuration(e.duration_ms)}</>}>
              <Status state={e.is_complete ? 'complete' : 'running'} />
            </Card>
          </div>
          {e.pricing_status === 'partial' && (
            <p class="banner" role="status">
              Partly unpriced: {e.unpriced_models.join(', ')}. <a href={href.page('unpriced')}>Unpriced models</a>
            </p>
          )}
          <p class="muted small">Workflow {e.workflow_id ?? '—'} · workspace {e.workspace_id} · priced with catalog version {e.pricing_version}</p>
          <div class="grid2">
            <CostMapTable title="Cost by phase" keyLabel="Phase" map={e.cost_by_phase} />
            <CostMapTable title="Cost by model" keyLabel="Model" map={e.cost_by_model} />
            <CostMapTable title="Cost by tool" keyLabel="Tool" map={e.cost_by_tool} />
            <CostMapTable title="Cost by token class" keyLabel="Class" map={e.cost_by_class} />
          </div>
          <TokenClasses v={e} />
        </>
      )}
      <div class="panel">
        <h2>Sessions</h2>
        {sessions.data?.length === SESSIONS_LIMIT && <p class="note">The newest {SESSIONS_LIMIT} of {e?.session_count ?? 'its'} sessions.</p>}
        <Problem error={sessions.error} />
        {sessions.data ? (
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Session</th>
                  <th scope="col">Phase</th>
                  <th scope="col">Started</th>
                  <th scope="col" class="num">Turns</th>
                  <th scope="col" class="num">Tokens</th>
                  <th scope="col" class="num">Cost</th>
                  <th scope="col" class="num hide-narrow">Reported</th>
                  <th scope="col" class="num hide-narrow">Drift</th>
                </tr>
              </thead>
              <tbody>
                {sessions.data.map((s) => (
                  <tr key={s.session_id} data-testid="session-row" data-id={s.session_id}>
                    <th scope="row" class="ellipsis"><a href={href.session(s.session_id)}>{s.session_id}</a></th>
                    <td>{s.phase_id ?? '—'}</td>
                    <td>{formatInstant(s.started_at, range.tz)}</td>
                    <td class="num"><Count value={s.turns} /></td>
                    <td class="num"><Count value={s.total_tokens} compact /></td>
                    <td class="num"><Usd value={s.total_cost_usd} /></td>
                    <td class="num hide-narrow"><Usd value={s.reported_cost_usd} /></td>
                    <td class="num hide-narrow">{s.cost_drift_usd === null ? '—' : <Usd value={s.cost_drift_usd} signed />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          !sessions.error && <Loading />
        )}
      </div>
    </Page>
  );
}
