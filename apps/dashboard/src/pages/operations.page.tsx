import { useState } from 'preact/hooks';
import { ApiError, getData, request, send } from '../api-client';
import { useApp } from '../app-context';
import type { ApiKey, DeadLetter, IssuedKey, ProjectionStatus, Rebuild } from '../api-types';
import { formatDuration, formatInstant } from '../time-range';
import { Count, Loading, Page, Pager, Problem, Status } from '../ui';
import { useAsync, useInterval } from '../use-async';

const POLL_MS = 2000;

function RebuildRow({ r, tz }: { r: Rebuild; tz: string }) {
  const pct = r.total ? Math.min(100, Math.floor((r.done / r.total) * 100)) : r.state === 'done' ? 100 : 0;
  return (
    <tr data-testid="rebuild-row">
      <td>#{r.id}</td>
      <td><Status state={r.state} /></td>
      <td>{r.reason}</td>
      <td>{r.source}</td>
      <td>{formatInstant(r.requested_at, tz)}</td>
      <td>{r.started_at && r.finished_at ? formatDuration(Date.parse(r.finished_at) - Date.parse(r.started_at)) : '—'}</td>
      <td class="num">
        {r.state === 'running' ? (
          <>
            <progress max={100} value={pct} aria-label={`Rebuild ${r.id} progress`} /> {pct}%{r.eta_s !== null && <> · {formatDuration(r.eta_s * 1000)} left</>}
          </>
        ) : (
          <>
            <Count value={r.done} />
            {r.total !== null && <> / <Count value={r.total} /></>}
          </>
        )}
        {r.error && <div class="problem small">{r.error}</div>}
      </td>
    </tr>
  );
}

function Projections({ tz }: { tz: string }) {
  const [status, setStatus] = useState<ProjectionStatus[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reason, setReason] = useState('');
  const [queued, setQueued] = useState<string | null>(null);
  // null: a server without the history route (API-NEEDS.md §4), which shows the latest rebuild only.
  const [history, setHistory] = useState<Rebuild[] | null>(null);
  const [historyRoute, setHistoryRoute] = useState(true);
  useInterval(() => {
    getData<ProjectionStatus[]>('/v1/admin/projections').then((s) => (setStatus(s), setError(null)), setError);
    if (historyRoute) {
      getData<Rebuild[]>('/v1/admin/projections/rebuilds', { limit: 10 }).then(setHistory, (e) => {
        if (e instanceof ApiError && e.status === 404) setHistoryRoute(false);
        else setError(e);
      });
    }
  }, POLL_MS);
  const rebuild = async (source: 'facts' | 'log') => {
    try {
      const r = (await send<{ data: { rebuild_id: number } }>('POST', '/v1/admin/projections/rebuild', { reason: reason.trim() || undefined, source })).data;
      setQueued(`Rebuild #${r.rebuild_id} queued.`);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div class="panel">
      <h2>Projection</h2>
      <Problem error={error} />
      {!status ? (
        <Loading />
      ) : (
        status.map((p) => {
          const rebuilds = history ?? (p.rebuild ? [p.rebuild] : []);
          return (
            <div key={p.name} data-testid="projection" data-state={p.state}>
              <dl class="facts">
                <div><dt>State</dt><dd><Status state={p.stall ? 'stalled' : p.state} /></dd></div>
                <div><dt>Position</dt><dd><code>{p.position ?? '—'}</code></dd></div>
                <div><dt>Events applied</dt><dd><Count value={p.events_applied} /></dd></div>
                <div><dt>Lag</dt><dd><Count value={p.lag_events} />{p.lag_events_capped ? '+' : ''} events · {formatDuration(p.lag_seconds * 1000)}</dd></div>
                <div><dt>Priced with catalog</dt><dd>v{p.pricing_version} (latest v{p.catalog_version})</dd></div>
                <div><dt>Pending rebuilds</dt><dd><Count value={p.pending_rebuilds} /></dd></div>
                <div><dt>Dead letters</dt><dd><Count value={p.dead_letters} /></dd></div>
              </dl>
              {p.stall && (
                <p class="problem" role="alert">
                  Stalled at {p.stall.position} since {formatInstant(p.stall.since, tz)} after {p.stall.attempts} attempts: {p.stall.error}
                </p>
              )}
              <h3>Rebuilds</h3>
              <p class="muted small">{history ? 'The latest ten.' : 'The latest one (a history needs the API extension in API-NEEDS.md).'}</p>
              {rebuilds.length === 0 ? (
                <p class="muted">None yet.</p>
              ) : (
                <div class="table-wrap">
                  <table class="table compact">
                    <thead>
                      <tr><th scope="col">Id</th><th scope="col">State</th><th scope="col">Reason</th><th scope="col">Source</th><th scope="col">Asked</th><th scope="col">Took</th><th scope="col" class="num">Events</th></tr>
                    </thead>
                    <tbody>{rebuilds.map((r) => <RebuildRow key={r.id} r={r} tz={tz} />)}</tbody>
                  </table>
                </div>
              )}
            </div>
          );
        })
      )}
      <form class="inline-form" onSubmit={(e) => { e.preventDefault(); rebuild('facts'); }}>
        <label for="rebuild-reason">Reason</label>
        <input id="rebuild-reason" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} placeholder="requested by an operator" />
        <button type="submit" data-testid="rebuild-facts">Rebuild from the facts</button>
        <button type="button" onClick={() => rebuild('log')}>Replay the log</button>
      </form>
      {queued && <p role="status">{queued}</p>}
    </div>
  );
}

function DeadLetters({ tz }: { tz: string }) {
  const [includeResolved, setIncludeResolved] = useState(false);
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const cursor = cursors[cursors.length - 1];
  const page = useAsync(() => getData<{ dead_letters: DeadLetter[]; next_cursor: string | null }>('/v1/admin/dead-letters', { limit: 50, cursor, include_resolved: includeResolved }), [cursor, includeResolved]);
  const retry = async (id?: number) => {
    setError(null);
    try {
      const r = (await send<{ data: Record<string, unknown> }>('POST', id === undefined ? '/v1/admin/dead-letters/retry' : `/v1/admin/dead-letters/${id}/retry`)).data;
      setMessage(id === undefined ? `Retried ${r.retried}: ${r.resolved} resolved, ${r.failing} still failing.` : `Dead letter ${id}: ${r.resolved_at ? 'applied' : 'still failing'}.`);
      page.reload();
    } catch (e) {
      setError(e);
    }
  };
  const rows = page.data?.dead_letters ?? [];
  return (
    <div class="panel">
      <div class="panel-head">
        <h2>Dead-lettered events</h2>
        <div class="controls">
          <label class="check">
            <input type="checkbox" checked={includeResolved} onChange={(e) => { setIncludeResolved((e.target as HTMLInputElement).checked); setCursors([null]); }} /> include resolved
          </label>
          <button type="button" onClick={() => retry()} disabled={!rows.some((r) => !r.resolved_at)}>
            Retry every unresolved one
          </button>
        </div>
      </div>
      <Problem error={page.error ?? error} />
      {message && <p role="status">{message}</p>}
      {page.data && rows.length === 0 ? (
        <p class="muted">None: the projection applied every event.</p>
      ) : (
        <div class="table-wrap">
          <table class="table compact">
            <thead>
              <tr><th scope="col">Id</th><th scope="col">Event</th><th scope="col">Workspace</th><th scope="col">Error</th><th scope="col" class="num">Failures</th><th scope="col">Last failed</th><th scope="col">Resolved</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.id} data-testid="dead-letter-row">
                  <td>{d.id}</td>
                  <td>{d.event_type}<div class="muted small">{d.event_id ?? d.position}</div></td>
                  <td>{d.workspace_id ?? '—'}</td>
                  <td class="small">{d.error}{d.sqlstate && <> ({d.sqlstate})</>}</td>
                  <td class="num"><Count value={d.failures} /></td>
                  <td>{formatInstant(d.last_failed_at, tz)}</td>
                  <td>{d.resolved_at ? formatInstant(d.resolved_at, tz) : '—'}</td>
                  <td>{!d.resolved_at && <button type="button" onClick={() => retry(d.id)} aria-label={`Retry dead letter ${d.id}`}>Retry</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager page={cursors.length} onPrev={cursors.length > 1 ? () => setCursors(cursors.slice(0, -1)) : undefined} onNext={page.data?.next_cursor ? () => setCursors([...cursors, page.data!.next_cursor]) : undefined} />
    </div>
  );
}

function Secret({ issued, onDone }: { issued: IssuedKey; onDone: () => void }) {
  return (
    <div class="secret" role="status" data-testid="key-secret">
      <p>
        <strong>{issued.previous_key_valid_until ? 'New secret' : 'New key'} for {issued.workspace_id} ({issued.name}).</strong> It is shown only now; only its hash is stored.
        {issued.previous_key_valid_until && <> The old secret works until {new Date(issued.previous_key_valid_until).toISOString()}.</>}
      </p>
      <code class="secret-value" data-testid="key-secret-value">{issued.key}</code>
      <div>
        <button type="button" onClick={() => navigator.clipboard?.writeText(issued.key)}>Copy</button>{' '}
        <button type="button" class="quiet" onClick={onDone}>Hide</button>
      </div>
    </div>
  );
}

function ApiKeys({ tz }: { tz: string }) {
  const { principal } = useApp();
  const [filter, setFilter] = useState('');
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const cursor = cursors[cursors.length - 1];
  const [wsId, setWsId] = useState(principal.workspace ?? '');
  const [name, setName] = useState('');
  const [grace, setGrace] = useState('0');
  const [issued, setIssued] = useState<IssuedKey | null>(null);
  const [error, setError] = useState<unknown>(null);
  const page = useAsync(async () => {
    const { body } = await request<{ data: ApiKey[]; next_cursor: string | null }>('GET', '/v1/admin/api-keys', { query: { workspace_id: filter || undefined, limit: 50, cursor } });
    return body;
  }, [filter, cursor]);
  const act = async (fn: () => Promise<void>) => {
    setError(null);
    try {
      await fn();
      page.reload();
      principal.reloadWorkspaces();
    } catch (e) {
      setError(e);
    }
  };
  const issue = (e: Event) => {
    e.preventDefault();
    act(async () => {
      setIssued((await send<{ data: IssuedKey }>('POST', '/v1/admin/api-keys', { workspace_id: wsId.trim(), name: name.trim() })).data);
      setName('');
    });
  };
  const [confirming, setConfirming] = useState<string | null>(null);
  const revoke = (k: ApiKey) => {
    setConfirming(null);
    act(async () => void (await send('DELETE', `/v1/admin/api-keys/${encodeURIComponent(k.id)}`)));
  };
  const rotate = (k: ApiKey) =>
    act(async () => setIssued((await send<{ data: IssuedKey }>('POST', `/v1/admin/api-keys/${encodeURIComponent(k.id)}/rotate`, { grace_seconds: Number.parseInt(grace, 10) || 0 })).data));
  return (
    <div class="panel">
      <h2>API keys</h2>
      <form class="inline-form" onSubmit={issue}>
        <label for="key-workspace">Workspace</label>
        <input id="key-workspace" data-testid="key-workspace" required pattern="[A-Za-z0-9][A-Za-z0-9._:\-]*" value={wsId} onInput={(e) => setWsId((e.target as HTMLInputElement).value)} />
        <label for="key-name">Name</label>
        <input id="key-name" data-testid="key-name" required value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} placeholder="e.g. ci-runner" />
        <button type="submit" data-testid="key-issue">Issue key</button>
      </form>
      {issued && <Secret issued={issued} onDone={() => setIssued(null)} />}
      <Problem error={error ?? page.error} />
      <div class="panel-head">
        <label>
          Only workspace
          <select value={filter} onChange={(e) => { setFilter((e.target as HTMLSelectElement).value); setCursors([null]); }}>
            <option value="">(all)</option>
            {principal.workspaces.map((w) => <option key={w} value={w}>{w}</option>)}
          </select>
        </label>
        <label>
          Rotation grace (seconds)
          <input type="number" min={0} max={604800} value={grace} onInput={(e) => setGrace((e.target as HTMLInputElement).value)} class="narrow" />
        </label>
      </div>
      <div class="table-wrap">
        <table class="table compact">
          <thead>
            <tr><th scope="col">Name</th><th scope="col">Workspace</th><th scope="col">Id</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Status</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            {(page.data?.data ?? []).map((k) => (
              <tr key={k.id} data-testid="key-row" data-id={k.id} data-revoked={k.revoked_at ? 'true' : 'false'}>
                <th scope="row">{k.name}</th>
                <td>{k.workspace_id}</td>
                <td><code class="small">{k.id}</code></td>
                <td>{formatInstant(k.created_at, tz)}</td>
                <td>{k.last_used_at ? formatInstant(k.last_used_at, tz) : 'never'}</td>
                <td>{k.revoked_at ? <Status state="revoked" /> : <Status state="active" />}</td>
                <td class="actions">
                  {!k.revoked_at && confirming === k.id && (
                    <span role="group" aria-label={`Revoke ${k.name}?`}>
                      Refuse it from now on?{' '}
                      <button type="button" class="danger" onClick={() => revoke(k)} data-testid="key-revoke-confirm" autoFocus>Yes, revoke</button>{' '}
                      <button type="button" class="quiet" onClick={() => setConfirming(null)}>Cancel</button>
                    </span>
                  )}
                  {!k.revoked_at && confirming !== k.id && (
                    <>
                      <button type="button" onClick={() => rotate(k)} data-testid="key-rotate" aria-label={`Rotate ${k.name} of ${k.workspace_id}`}>Rotate</button>{' '}
                      <button type="button" class="danger" onClick={() => setConfirming(k.id)} data-testid="key-revoke" aria-label={`Revoke ${k.name} of ${k.workspace_id}`}>Revoke</button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page.loading && <Loading />}
      <Pager page={cursors.length} onPrev={cursors.length > 1 ? () => setCursors(cursors.slice(0, -1)) : undefined} onNext={page.data?.next_cursor ? () => setCursors([...cursors, page.data!.next_cursor]) : undefined} />
    </div>
  );
}

export function OperationsPage() {
  const { range } = useApp();
  return (
    <Page title="Operations">
      <Projections tz={range.tz} />
      <DeadLetters tz={range.tz} />
      <ApiKeys tz={range.tz} />
    </Page>
  );
}
