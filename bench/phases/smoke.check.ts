import Big from 'big.js';
import { DataSet } from '../data/data-set';
import { HttpJson } from '../support/http-json';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** The fields of `/costs/summary` the checks compare. */
export interface Summary {
  total_cost_usd: string;
  total_sessions: number;
  total_executions: number;
  total_tokens: number;
  total_tool_calls: number;
}

const check = (name: string, ok: boolean, detail: string): Check => ({ name, ok, detail });

/**
 * Compares `/costs/summary` with what the generator computed on its own
 * (its own big.js pricing, not the service's): per workspace with each
 * workspace key, and across all workspaces with the admin key. Tokens and
 * counts must match exactly, and so must the decimal cost.
 */
export async function checkTotals(
  http: HttpJson,
  data: DataSet,
  keys: ReadonlyMap<string, string>,
  adminKey: string,
  label: string,
  /** Whether the cost is compared too: not for another commit's service, which prices with its own catalog. */
  { cost = true }: { cost?: boolean } = {},
): Promise<Check[]> {
  const checks: Check[] = [];
  const all = { tokens: 0, sessions: 0, executions: 0, toolCalls: 0, cost: new Big(0) };
  let mismatched: string[] = [];
  for (const ws of data.workspaces) {
    const t = data.truth.get(ws)!;
    const res = await http.get<Summary>('/costs/summary', keys.get(ws));
    const want = { tokens: t.totalTokens, sessions: t.sessions, executions: t.executions, toolCalls: t.toolCalls, cost: t.tokenCost.plus(t.computeCost) };
    all.tokens += want.tokens;
    all.sessions += want.sessions;
    all.executions += want.executions;
    all.toolCalls += want.toolCalls;
    all.cost = all.cost.plus(want.cost);
    const got = res.body;
    if (res.status !== 200) {
      mismatched.push(`${ws}: HTTP ${res.status}`);
      continue;
    }
    const diffs = [
      got.total_tokens !== want.tokens && `tokens ${got.total_tokens} ≠ ${want.tokens}`,
      got.total_sessions !== want.sessions && `sessions ${got.total_sessions} ≠ ${want.sessions}`,
      got.total_executions !== want.executions && `executions ${got.total_executions} ≠ ${want.executions}`,
      got.total_tool_calls !== want.toolCalls && `tool calls ${got.total_tool_calls} ≠ ${want.toolCalls}`,
      cost && !new Big(got.total_cost_usd).eq(want.cost) && `cost ${got.total_cost_usd} ≠ ${want.cost.toFixed()}`,
    ].filter(Boolean);
    if (diffs.length) mismatched.push(`${ws}: ${diffs.join(', ')}`);
  }
  const what = cost ? "the generator's totals" : "the generator's tokens and counts";
  checks.push(check(`${label}: per-workspace /costs/summary equals ${what} (${data.workspaces.length} workspaces)`, mismatched.length === 0, mismatched.slice(0, 3).join('; ') || 'exact'));

  const res = await http.get<Summary>('/costs/summary', adminKey);
  const got = res.body;
  mismatched = [];
  if (res.status !== 200) mismatched.push(`HTTP ${res.status}`);
  else {
    if (got.total_tokens !== all.tokens) mismatched.push(`tokens ${got.total_tokens} ≠ ${all.tokens}`);
    if (got.total_sessions !== all.sessions) mismatched.push(`sessions ${got.total_sessions} ≠ ${all.sessions}`);
    if (got.total_tool_calls !== all.toolCalls) mismatched.push(`tool calls ${got.total_tool_calls} ≠ ${all.toolCalls}`);
    if (cost && !new Big(got.total_cost_usd).eq(all.cost)) mismatched.push(`cost ${got.total_cost_usd} ≠ ${all.cost.toFixed()}`);
  }
  checks.push(
    check(
      `${label}: admin /costs/summary across workspaces: ${all.tokens.toLocaleString('en-US')} tokens${cost ? `, $${all.cost.toFixed(6)}` : ''}`,
      mismatched.length === 0,
      mismatched.join('; ') || 'exact',
    ),
  );
  return checks;
}

/**
 * For a service whose prices the generator's oracle does not know (another commit's): every workspace's and the
 * admin `/costs/summary` after the live path, against the same service's restatement replaying its log from the
 * start (the bulk path), field for field. So the live path lost, doubled and mispriced nothing by its own code.
 */
export async function checkAgainstReplay(
  http: HttpJson,
  data: DataSet,
  keys: ReadonlyMap<string, string>,
  adminKey: string,
  label: string,
  replay: () => Promise<{ available: boolean; error?: string }>,
): Promise<Check[]> {
  const summaries = async () => {
    const out = new Map<string, string>();
    for (const [name, key] of [...data.workspaces.map((ws) => [ws, keys.get(ws)!] as const), ['admin', adminKey] as const]) {
      const res = await http.get<Summary>('/costs/summary', key);
      const { total_cost_usd, total_sessions, total_executions, total_tokens, total_tool_calls } = res.body;
      out.set(name, res.status === 200 ? JSON.stringify({ total_cost_usd: new Big(total_cost_usd).toFixed(), total_sessions, total_executions, total_tokens, total_tool_calls }) : `HTTP ${res.status}`);
    }
    return out;
  };
  const live = await summaries();
  const done = await replay();
  const name = `${label}: /costs/summary of every workspace and the admin's equals the same code's replay of the log ($${JSON.parse(live.get('admin') ?? '{}').total_cost_usd ?? '?'})`;
  if (!done.available || done.error) return [check(name, false, done.error ?? 'no rebuild API (404)')];
  const replayed = await summaries();
  const differ = [...live].filter(([ws, s]) => replayed.get(ws) !== s).map(([ws, s]) => `${ws}: live ${s} ≠ replay ${replayed.get(ws)}`);
  return [check(name, differ.length === 0, differ.slice(0, 3).join('; ') || 'exact')];
}

export { check };
