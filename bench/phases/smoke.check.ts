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
export async function checkTotals(http: HttpJson, data: DataSet, keys: ReadonlyMap<string, string>, adminKey: string, label: string): Promise<Check[]> {
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
      !new Big(got.total_cost_usd).eq(want.cost) && `cost ${got.total_cost_usd} ≠ ${want.cost.toFixed()}`,
    ].filter(Boolean);
    if (diffs.length) mismatched.push(`${ws}: ${diffs.join(', ')}`);
  }
  checks.push(check(`${label}: per-workspace /costs/summary equals the generator's totals (${data.workspaces.length} workspaces)`, mismatched.length === 0, mismatched.slice(0, 3).join('; ') || 'exact'));

  const res = await http.get<Summary>('/costs/summary', adminKey);
  const got = res.body;
  mismatched = [];
  if (res.status !== 200) mismatched.push(`HTTP ${res.status}`);
  else {
    if (got.total_tokens !== all.tokens) mismatched.push(`tokens ${got.total_tokens} ≠ ${all.tokens}`);
    if (got.total_sessions !== all.sessions) mismatched.push(`sessions ${got.total_sessions} ≠ ${all.sessions}`);
    if (got.total_tool_calls !== all.toolCalls) mismatched.push(`tool calls ${got.total_tool_calls} ≠ ${all.toolCalls}`);
    if (!new Big(got.total_cost_usd).eq(all.cost)) mismatched.push(`cost ${got.total_cost_usd} ≠ ${all.cost.toFixed()}`);
  }
  checks.push(
    check(
      `${label}: admin /costs/summary across workspaces: ${all.tokens.toLocaleString('en-US')} tokens, $${all.cost.toFixed(6)}`,
      mismatched.length === 0,
      mismatched.join('; ') || 'exact',
    ),
  );
  return checks;
}

export { check };
