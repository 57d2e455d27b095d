import { useState } from 'preact/hooks';
import { nextCursor, request } from '../api-client';
import { useApp, useScope } from '../app-context';
import type { ExecutionCost } from '../api-types';
import { compareDecimals } from '../decimal';
import { href } from '../router';
import { formatDuration, formatInstant } from '../time-range';
import { Count, Loading, Page, Pager, Problem, Status, Usd } from '../ui';
import { useAsync } from '../use-async';

type SortKey = 'started_at' | 'total_cost_usd';
interface Sort { key: SortKey; desc: boolean }
const PAGE_SIZE = 25;

/** Whether the rows came back in the order asked (API-NEEDS.md §1: an older server ignores `sort` and lists newest first). */
function honoured(rows: ExecutionCost[], sort: Sort): boolean {
  const cmp = (a: ExecutionCost, b: ExecutionCost) =>
    sort.key === 'total_cost_usd' ? compareDecimals(a.total_cost_usd, b.total_cost_usd) : a.started_at.localeCompare(b.started_at);
  return rows.every((r, i) => i === 0 || (sort.desc ? cmp(rows[i - 1], r) >= 0 : cmp(rows[i - 1], r) <= 0));
}

function SortButton({ label, k, sort, setSort }: { label: string; k: SortKey; sort: Sort; setSort: (s: Sort) => void }) {
  const active = sort.key === k;
  return (
    <button
      type="button"
      class="sort"
      data-testid={`sort-${k === 'total_cost_usd' ? 'cost' : 'time'}`}
      onClick={() => setSort({ key: k, desc: active ? !sort.desc : true })}
      aria-label={`Sort by ${label.toLowerCase()}, ${active && sort.desc ? 'ascending' : 'descending'}`}
    >
      {label} {active ? (sort.desc ? '↓' : '↑') : ''}
    </button>
  );
}

export function ExecutionsPage() {
  const { principal, range } = useApp();
  const scope = useScope();
  const [sort, setSortState] = useState<Sort>({ key: 'started_at', desc: true });
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const cursor = cursors[cursors.length - 1];
  const setSort = (s: Sort) => {
    setSortState(s);
    setCursors([null]);
  };
  const page = useAsync(async () => {
    const { body, headers } = await request<ExecutionCost[]>('GET', '/costs/executions', {
      query: { ...scope, limit: PAGE_SIZE, cursor, sort: `${sort.desc ? '-' : ''}${sort.key}` },
    });
    return { rows: body, next: nextCursor(headers) };
  }, [principal.workspace, cursor, sort.key, sort.desc]);
  const rows = page.data?.rows ?? [];
  const ariaSort = (k: SortKey) => (sort.key === k ? (sort.desc ? 'descending' : 'ascending') : undefined);

  return (
    <Page title="Executions">
      <Problem error={page.error} />
      {page.data && !honoured(rows, sort) && (
        <p class="note" role="status">This server lists executions newest first only; sorting by cost needs the API extension in API-NEEDS.md.</p>
      )}
      <div class="table-wrap">
        <table class="table" aria-busy={page.loading}>
          <caption class="sr-only">Executions, {PAGE_SIZE} per page</caption>
          <thead>
            <tr>
              <th scope="col">Execution</th>
              <th scope="col" class="hide-narrow">Workflow</th>
              <th scope="col" aria-sort={ariaSort('started_at')}>
                <SortButton label="Started" k="started_at" sort={sort} setSort={setSort} />
              </th>
              <th scope="col" class="num hide-narrow">Sessions</th>
              <th scope="col" class="num hide-narrow">Tokens</th>
              <th scope="col" class="num" aria-sort={ariaSort('total_cost_usd')}>
                <SortButton label="Cost" k="total_cost_usd" sort={sort} setSort={setSort} />
              </th>
              <th scope="col" class="num hide-narrow">Drift</th>
              <th scope="col" class="hide-narrow">Duration</th>
              <th scope="col" class="hide-narrow">Status</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <tr key={`${e.workspace_id}/${e.execution_id}`} data-testid="execution-row" data-id={e.execution_id}>
                <th scope="row" class="ellipsis">
                  <a href={href.execution(e.execution_id)}>{e.execution_id}</a>
                </th>
                <td class="hide-narrow">{e.workflow_id ?? <span class="muted">—</span>}</td>
                <td class="nowrap">{formatInstant(e.started_at, range.tz)}</td>
                <td class="num hide-narrow"><Count value={e.session_count} /></td>
                <td class="num hide-narrow"><Count value={e.total_tokens} compact /></td>
                <td class="num">
                  <Usd value={e.total_cost_usd} />
                  {e.pricing_status === 'partial' && <span class="tag" title={`Unpriced: ${e.unpriced_models.join(', ')}`}>partial</span>}
                </td>
                <td class="num hide-narrow">{e.cost_drift_usd === null ? <span class="muted">—</span> : <Usd value={e.cost_drift_usd} signed />}</td>
                <td class="hide-narrow">{formatDuration(e.duration_ms)}</td>
                <td class="hide-narrow"><Status state={e.is_complete ? 'complete' : 'running'} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page.loading && <Loading />}
      {page.data && rows.length === 0 && <p class="muted">No executions yet.</p>}
      <Pager
        page={cursors.length}
        onPrev={cursors.length > 1 ? () => setCursors(cursors.slice(0, -1)) : undefined}
        onNext={page.data?.next ? () => setCursors([...cursors, page.data!.next]) : undefined}
      />
    </Page>
  );
}
