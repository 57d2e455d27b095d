import type { RecordedEvent } from '@ledger/event-store';
import { attributeToTools, PriceCatalog, priceToolCall, priceUsage } from '@ledger/pricing';

/** One row of `cost_facts`: a usage event with its cost, as the projection derives it. */
export interface CostFact {
  readonly workspace_id: string;
  readonly event_id: string;
  readonly event_type: string;
  readonly session_id: string;
  readonly execution_id: string | null;
  readonly workflow_id: string | null;
  readonly phase_id: string | null;
  readonly step_name: string | null;
  readonly occurred_at: string;
  readonly model: string | null;
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_creation_tokens: number;
  readonly cache_read_tokens: number;
  /** Decimal string; null means unpriced. */
  readonly token_cost: string | null;
  readonly price_ref: string | null;
  readonly tool_name: string | null;
  readonly duration_ms: number | null;
  readonly compute_cost: string;
  readonly status: string | null;
  readonly num_turns: number | null;
  readonly tool_tokens: Readonly<Record<string, number>> | null;
  readonly tool_token_costs: Readonly<Record<string, string>> | null;
  readonly reported_cost: string | null;
  readonly commit_pos: string;
  readonly prepare_pos: string;
}

type Data = Record<string, unknown>;
const str = (d: Data, k: string): string | null => (typeof d[k] === 'string' ? (d[k] as string) : null);
const num = (d: Data, k: string): number | null => (typeof d[k] === 'number' ? (d[k] as number) : null);

/**
 * The projection's evolve step for one event: derives its cost from the catalog
 * as known now. Pure; the same event and catalog always give the same fact.
 */
export function toCostFact(event: Pick<RecordedEvent, 'type' | 'data' | 'position'>, catalog: PriceCatalog): CostFact {
  const d = event.data;
  const input = num(d, 'input_tokens') ?? 0;
  const output = num(d, 'output_tokens') ?? 0;
  const cacheCreation = num(d, 'cache_creation_tokens') ?? 0;
  const cacheRead = num(d, 'cache_read_tokens') ?? 0;
  const occurredAt = str(d, 'occurred_at')!;
  let tokenCost: string | null = null;
  let priceRef: string | null = event.type === 'ToolCalled' && str(d, 'compute_cost_usd') !== null ? 'reported' : null;
  let toolTokenCosts: Record<string, string> | null = null;
  const toolTokens = event.type === 'TokenUsed' && d.tool_tokens ? (d.tool_tokens as Record<string, number>) : undefined;
  if (event.type === 'TokenUsed') {
    const priced = priceUsage(catalog, str(d, 'model')!, Date.parse(occurredAt), { input, output, cacheCreation, cacheRead });
    if (priced) {
      tokenCost = priced.cost.toFixed();
      priceRef = priced.priceRef;
      if (toolTokens) toolTokenCosts = attributeToTools(priced.cost, input + output + cacheCreation + cacheRead, toolTokens);
    }
  }
  return {
    workspace_id: str(d, 'workspace_id')!,
    event_id: str(d, 'event_id')!,
    event_type: event.type,
    session_id: str(d, 'session_id')!,
    execution_id: str(d, 'execution_id'),
    workflow_id: str(d, 'workflow_id'),
    phase_id: str(d, 'phase_id'),
    step_name: str(d, 'step_name'),
    occurred_at: occurredAt,
    model: str(d, 'model'),
    input_tokens: input,
    output_tokens: output,
    cache_creation_tokens: cacheCreation,
    cache_read_tokens: cacheRead,
    token_cost: tokenCost,
    price_ref: priceRef,
    tool_name: str(d, 'tool_name'),
    duration_ms: num(d, 'duration_ms'),
    compute_cost: computeCost(event.type, d, catalog, Date.parse(occurredAt)),
    status: str(d, 'status'),
    num_turns: num(d, 'num_turns'),
    tool_tokens: toolTokens ?? null,
    tool_token_costs: toolTokenCosts,
    reported_cost: str(d, 'reported_cost_usd'),
    commit_pos: String(event.position.commit),
    prepare_pos: String(event.position.prepare),
  };
}

/** A tool call's cost as reported by the runtime, else from the tool's compute price, else zero. */
function computeCost(type: string, d: Data, catalog: PriceCatalog, occurredAt: number): string {
  if (type !== 'ToolCalled') return '0';
  const reported = str(d, 'compute_cost_usd');
  if (reported !== null) return reported;
  return priceToolCall(catalog, str(d, 'tool_name')!, occurredAt, num(d, 'duration_ms'))?.toFixed() ?? '0';
}

/** The columns of `cost_facts`, named as CostFact's keys. */
export const COST_FACT_COLUMNS: readonly (keyof CostFact)[] = [
  'workspace_id', 'event_id', 'event_type', 'session_id', 'execution_id', 'workflow_id', 'phase_id', 'step_name',
  'occurred_at', 'model', 'input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens', 'token_cost',
  'price_ref', 'tool_name', 'duration_ms', 'compute_cost', 'status', 'num_turns', 'tool_tokens', 'tool_token_costs',
  'reported_cost', 'commit_pos', 'prepare_pos',
];
