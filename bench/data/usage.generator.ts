import Big from 'big.js';
import { CostAccumulator, OracleRow, rowAt, SHIPPED } from '../support/pricing-oracle';
import { Random, WeightedPicker } from '../support/random';
import { DataSet, IngestBatch, WorkspaceTruth } from './data-set';

export interface GeneratorOptions {
  /** Distinct events to generate. */
  readonly events: number;
  readonly seed: string;
  readonly workspaces?: number;
  readonly batchSize?: number;
  /** Share of batches the client sends twice. */
  readonly retryRate?: number;
}

/**
 * Usage is stamped over 30 days, after the last price change of the mix's models in the shipped catalog
 * (Claude Opus 4.6's, 2026-03-13; the generator refuses a resolved model no row of which covers the call),
 * and before the machine's "now". Late deliveries add at most a few hours.
 */
export const WINDOW_START = Date.parse('2026-09-01T00:00:00.000Z');
const WINDOW_MS = 30 * 86_400_000;

/** A model as a client names it: `provider` only when the client says who served the call (most do not). */
export interface MixedModel {
  readonly name: string;
  readonly provider?: string;
  readonly weight: number;
  /** Share of its calls that reason (o3, GPT-5 and Gemini 2.5 Pro always think; the others when asked to). */
  readonly reasoning?: number;
}

/**
 * A December-2026 fleet, by the names clients send (ADR 0022): first-party names, dated snapshots among them,
 * with no provider; Claude through Bedrock, Vertex and OpenRouter and GPT-4.1 through Azure with theirs; and
 * names the catalog does not price, one with a provider it knows. A few models carry most calls. Between them
 * they exercise context tiers (Sonnet 4.5 and Gemini 2.5 Pro, first party and resold), every modifier (Opus
 * 4.6: fast mode and the US uplift; o3: flex and priority), Azure's fallback to OpenAI's prices, and the
 * unpriced path.
 */
export const MODEL_MIX: readonly MixedModel[] = [
  { name: 'claude-sonnet-4-5-20250929', weight: 24, reasoning: 0.3 },
  { name: 'gpt-5-mini', weight: 12, reasoning: 1 },
  { name: 'claude-haiku-4-5-20251001', weight: 10 },
  { name: 'claude-opus-4-6', weight: 9, reasoning: 0.5 },
  { name: 'gpt-5', weight: 8, reasoning: 1 },
  { name: 'gemini-2.5-flash', weight: 7, reasoning: 0.6 },
  { provider: 'bedrock', name: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', weight: 6, reasoning: 0.3 },
  { name: 'gpt-4.1', weight: 4 },
  { name: 'gemini-2.5-pro', weight: 4, reasoning: 1 },
  { name: 'o3', weight: 3, reasoning: 1 },
  { provider: 'vertex', name: 'claude-sonnet-4-5@20250929', weight: 3, reasoning: 0.3 },
  { provider: 'openrouter', name: 'anthropic/claude-sonnet-4.5', weight: 3, reasoning: 0.3 },
  { provider: 'azure', name: 'gpt-4.1', weight: 3 },
  { name: 'acme-internal-1', weight: 1 },
  { provider: 'bedrock', name: 'acme.router-v2:0', weight: 1 },
];
/** Share of calls past the 200k-token prompt threshold, on models priced with a long-context tier. */
const LONG_CONTEXT_SHARE = 0.04;
/** Of Claude calls (wherever served) that write to the cache, the share whose writes include the 1-hour cache. */
const CACHE_1H_SHARE = 0.3;
/** Calls with server-side web searches, on models whose every rate set prices them (elsewhere they would be partly priced). */
const WEB_SEARCH_SHARE = 0.04;
/** Served tiers: batch on any model; flex and priority only where the row lists them. */
const BATCH_SHARE = 0.05;
const FLEX_SHARE = 0.1;
const PRIORITY_SHARE = 0.03;
/** On rows that list them: fast mode (never with batch or priority) and data residency. `eu` is listed nowhere: billed 1×. */
const FAST_SHARE = 0.08;
const US_SHARE = 0.15;
const UNLISTED_GEO_SHARE = 0.02;
/** Calls that send every new field even at its default (`0`, `"standard"`, `"global"`): they must price as if omitted. */
const EXPLICIT_DEFAULTS_SHARE = 0.03;
const TOOLS = ['Read', 'Bash', 'Edit', 'Grep', 'WebFetch', 'Write'];
const STEPS = ['plan', 'research', 'draft', 'review', 'generate-welcome-email', 'summarise'];

/** Per distinct event. */
const LATE_RATE = 0.02;
const AFTER_FINALIZATION_RATE = 0.01;
const RESEND_RATE = 0.01;

interface Send {
  readonly at: number;
  /** The event as sent: a re-send carries the very same string. */
  readonly json: string;
  readonly resent: boolean;
}

interface Layout {
  readonly workspaces: string[];
  readonly execWorkspace: Uint16Array;
  readonly execStart: Float64Array;
  readonly sessionExec: Uint32Array;
  /** Usage events (TokenUsed + ToolCalled) per session; each session also ends with one SessionFinalized. */
  readonly sessionUsage: Uint32Array;
}

const id36 = (prefix: string, n: number) => `${prefix}-${n.toString(36).padStart(4, '0')}`;
const dayPrefix = new Map<number, string>();
const pad = (n: number, w: number) => String(n).padStart(w, '0');
/** `Date#toISOString`, with the date part cached per day: it runs once per event. */
function iso(ms: number): string {
  const day = Math.floor(ms / 86_400_000);
  let prefix = dayPrefix.get(day);
  if (!prefix) dayPrefix.set(day, (prefix = new Date(day * 86_400_000).toISOString().slice(0, 11)));
  const t = ms - day * 86_400_000;
  return `${prefix}${pad(Math.floor(t / 3_600_000), 2)}:${pad(Math.floor(t / 60_000) % 60, 2)}:${pad(Math.floor(t / 1000) % 60, 2)}.${pad(t % 1000, 3)}Z`;
}
const tokens = (r: Random, median: number, sigma: number, max = 1_000_000) => Math.max(1, Math.min(max, Math.round(r.logNormal(median, sigma))));
/** A decimal string of `n` hundred-thousandths of a dollar, built from digits so it is exact. */
const hundredThousandths = (n: number) => `0.${String(n).padStart(5, '0')}`;

/**
 * Generates a reproducible, realistic usage data set: 20 workspaces of very
 * different sizes, executions of a few sessions each, sessions of a long-tailed
 * number of model and tool calls, each ending with a SessionFinalized; some
 * events arrive late (stamped before events already sent, some after their
 * session was finalized) and some are re-sent unchanged.
 */
export function generateUsage(options: GeneratorOptions): DataSet {
  const r = new Random(options.seed);
  const batchSize = options.batchSize ?? 500;
  const layout = planLayout(r, options.events, options.workspaces ?? 20);
  const models = new WeightedPicker(MODEL_MIX.map((m) => ({ value: m, weight: m.weight })));
  const sessionsByWs: number[][] = layout.workspaces.map(() => []);
  layout.sessionExec.forEach((exec, s) => sessionsByWs[layout.execWorkspace[exec]].push(s));

  const batches: (IngestBatch & { at: number })[] = [];
  const truth = new Map<string, WorkspaceTruth>();
  const sessionIds = new Map<string, string[]>();
  const executionIds = new Map<string, string[]>();
  const byModel: Record<string, number> = {};
  const stats = { lateEvents: 0, afterFinalization: 0, resent: 0, longContextCalls: 0, unpricedCalls: 0, retriedBatches: 0 };
  const dimensions: Record<string, number> = {};
  const tally = (key: string) => (dimensions[key] = (dimensions[key] ?? 0) + 1);
  let sent = 0;
  let minAt = Infinity;
  let maxAt = -Infinity;

  layout.workspaces.forEach((ws, w) => {
    const t: WorkspaceTruth = {
      events: 0, tokenUsed: 0, toolCalls: 0, finalized: 0, sessions: 0, executions: 0, unpricedCalls: 0,
      totalTokens: 0, tokenCost: new Big(0), computeCost: new Big(0),
    };
    const priced = new CostAccumulator();
    const sends: Send[] = [];
    const execs = new Set<number>();
    const ids: string[] = [];
    for (const s of sessionsByWs[w]) {
      const exec = layout.sessionExec[s];
      execs.add(exec);
      const sessionId = id36('ses', s);
      ids.push(sessionId);
      const executionId = id36('exe', exec);
      const workflowId = `wf-${w}-${exec % 40}`;
      const primary = models.pick(r);
      let at = layout.execStart[exec] + r.int(0, 3 * 3_600_000);
      let phase = 1;
      let seq = 0;
      let turns = 0;
      const usage = layout.sessionUsage[s];
      const late: string[] = [];
      for (let i = 0; i < usage; i++) {
        at += Math.round(r.logNormal(20_000, 1));
        if (r.chance(0.08)) phase = Math.min(phase + 1, 4);
        const eventId = `${sessionId}.${seq++}`;
        let json: string;
        // Each event is serialised as soon as it is made: a million strings weigh far less than a million objects.
        if (r.chance(0.72)) {
          const mixed = r.chance(0.8) ? primary : models.pick(r);
          const model = mixed.name;
          const call = tokenUsed(r, mixed, rowAt(mixed.provider ?? null, model, at), tally);
          if (call.longContext) stats.longContextCalls++;
          const event = {
            event_id: eventId, type: 'TokenUsed', session_id: sessionId, execution_id: executionId, workflow_id: workflowId,
            phase_id: `p${phase}`, occurred_at: iso(at), model, provider: mixed.provider, input_tokens: call.input, output_tokens: call.output,
            cache_creation_tokens: call.cacheCreation, cache_read_tokens: call.cacheRead, ...call.dimensions, step_name: call.step,
            tool_tokens: call.toolTokens, reported_cost_usd: call.reportedCost,
          };
          json = JSON.stringify(event);
          const label = mixed.provider ? `${mixed.provider}:${model}` : model;
          byModel[label] = (byModel[label] ?? 0) + 1;
          t.tokenUsed++;
          // Subsets (reasoning, 1-hour writes) are inside their parents already.
          t.totalTokens += call.input + call.output + call.cacheCreation + call.cacheRead;
          // The oracle prices the event as sent, by its field names, not the generator's variables.
          const pricing = priced.add(model, at, event);
          if (pricing === 'unpriced' && SHIPPED.resolve(mixed.provider ?? null, model).model !== null) {
            throw new Error(`${label} at ${iso(at)}: resolved, but no price row covers the call; move WINDOW_START`);
          }
          if (pricing !== 'priced') {
            if (pricing === 'partial') tally('partial');
            t.unpricedCalls++;
            stats.unpricedCalls++;
          }
          turns++;
        } else {
          const cost = r.chance(0.5) ? '0' : hundredThousandths(r.int(1, 500));
          json = JSON.stringify({
            event_id: eventId, type: 'ToolCalled', session_id: sessionId, execution_id: executionId, workflow_id: workflowId,
            phase_id: `p${phase}`, occurred_at: iso(at), tool_name: r.pick(TOOLS), duration_ms: r.int(5, 30_000),
            compute_cost_usd: cost, status: r.chance(0.95) ? 'ok' : 'error',
          });
          t.toolCalls++;
          t.computeCost = t.computeCost.plus(cost);
        }
        if (r.chance(AFTER_FINALIZATION_RATE)) late.push(json);
        else if (r.chance(LATE_RATE)) {
          // Buffered by the client: sent after events stamped later than it.
          stats.lateEvents++;
          sends.push({ at: at + r.int(60_000, 1_800_000), json, resent: false });
        } else sends.push({ at, json, resent: false });
      }
      at += r.int(1_000, 30_000);
      const finalAt = at;
      const status = r.next() < 0.85 ? 'completed' : r.chance(0.67) ? 'failed' : 'cancelled';
      const finalized = JSON.stringify({
        event_id: `${sessionId}.${seq}`, type: 'SessionFinalized', session_id: sessionId, execution_id: executionId, workflow_id: workflowId,
        occurred_at: iso(finalAt), status, duration_ms: finalAt - layout.execStart[exec], num_turns: turns,
      });
      sends.push({ at: finalAt, json: finalized, resent: false });
      t.finalized++;
      for (const json of late) {
        // Stamped during the session, delivered after its SessionFinalized.
        stats.afterFinalization++;
        sends.push({ at: finalAt + r.int(60_000, 6 * 3_600_000), json, resent: false });
      }
      t.events += usage + 1;
      minAt = Math.min(minAt, layout.execStart[exec]);
      maxAt = Math.max(maxAt, finalAt);
    }
    // Re-sends: the same payload again, later (a client that lost the 202 of one event).
    const originals = sends.length;
    for (let i = 0; i < originals; i++) {
      if (r.chance(RESEND_RATE)) {
        stats.resent++;
        sends.push({ at: sends[i].at + r.int(1_000, 2 * 3_600_000), json: sends[i].json, resent: true });
      }
    }
    sends.sort((a, b) => a.at - b.at);
    for (let i = 0; i < sends.length; i += batchSize) {
      const chunk = sends.slice(i, i + batchSize);
      const resent: number[] = [];
      chunk.forEach((s, k) => s.resent && resent.push(k));
      const retry = r.chance(options.retryRate ?? 0.05);
      if (retry) stats.retriedBatches++;
      batches.push({
        workspace: ws,
        at: chunk[0].at,
        body: Buffer.from(`{"events":[${chunk.map((s) => s.json).join(',')}]}`),
        events: chunk.length,
        resent,
        retry,
      });
    }
    sent += sends.length;
    t.sessions = sessionsByWs[w].length;
    t.executions = execs.size;
    t.tokenCost = priced.cost();
    truth.set(ws, t);
    sessionIds.set(ws, ids);
    executionIds.set(ws, [...execs].map((e) => id36('exe', e)));
  });

  // Workspaces ship concurrently: interleave their batches in time order.
  batches.sort((a, b) => a.at - b.at);
  return {
    seed: options.seed,
    events: options.events,
    sent,
    batches: batches.map(({ at: _at, ...b }) => b),
    workspaces: layout.workspaces,
    truth,
    sessionIds,
    executionIds,
    from: new Date(minAt),
    to: new Date(maxAt),
    stats: { sessions: layout.sessionExec.length, executions: layout.execStart.length, ...stats, byModel, dimensions },
  };
}

/**
 * Sizes scale with the event count (defaults at 1M: 20k executions, 60k
 * sessions). Workspaces follow a Zipf-like law, sessions a log-normal one.
 */
function planLayout(r: Random, events: number, workspaceCount: number): Layout {
  const sessions = Math.max(1, Math.round(events * 0.06));
  const executions = Math.max(1, Math.min(sessions, Math.round(events * 0.02)));
  const workspaces = Array.from({ length: workspaceCount }, (_, i) => `bench-ws-${String(i + 1).padStart(2, '0')}`);
  const wsPicker = new WeightedPicker(workspaces.map((_, i) => ({ value: i, weight: 1 / Math.pow(i + 1, 0.8) })));
  const execWorkspace = new Uint16Array(executions);
  const execStart = new Float64Array(executions);
  for (let e = 0; e < executions; e++) {
    // The first executions cover every workspace, so none is empty at small sizes.
    execWorkspace[e] = e < workspaceCount ? e : wsPicker.pick(r);
    execStart[e] = WINDOW_START + Math.floor(r.next() * (WINDOW_MS - 86_400_000));
  }
  const sessionExec = new Uint32Array(sessions);
  for (let s = 0; s < sessions; s++) sessionExec[s] = s < executions ? s : r.int(0, executions - 1);

  // Usage events per session: log-normal weights scaled to the budget, at least one each.
  const budget = events - sessions;
  const sessionUsage = new Uint32Array(sessions);
  if (budget >= sessions) {
    const weights = Array.from({ length: sessions }, () => r.logNormal(1, 0.9));
    const sum = weights.reduce((a, b) => a + b, 0);
    let left = budget;
    for (let s = 0; s < sessions; s++) {
      sessionUsage[s] = Math.max(1, Math.floor((weights[s] / sum) * budget));
      left -= sessionUsage[s];
    }
    // Rounding leaves a remainder (or an excess): spread it one event at a time.
    while (left !== 0) {
      const s = r.int(0, sessions - 1);
      if (left > 0) {
        sessionUsage[s]++;
        left--;
      } else if (sessionUsage[s] > 1) {
        sessionUsage[s]--;
        left++;
      }
    }
  } else {
    for (let i = 0; i < budget; i++) sessionUsage[i % sessions]++;
  }
  return { workspaces, execWorkspace, execStart, sessionExec, sessionUsage };
}

/** The new `TokenUsed` fields of one call; a default is left out (undefined) unless the call sends defaults explicitly. */
interface Dimensions {
  reasoning_tokens?: number;
  cache_creation_1h_tokens?: number;
  web_search_requests?: number;
  service_tier?: string;
  speed?: string;
  inference_geo?: string;
}

const lists = (row: OracleRow | undefined, field: string, value: string) => row?.modifiers[field]?.[value] !== undefined;

function tokenUsed(r: Random, model: MixedModel, row: OracleRow | undefined, tally: (key: string) => void) {
  let input = tokens(r, 1_500, 1.2, 150_000);
  let output = tokens(r, 400, 1, 32_000);
  let cacheRead = r.chance(0.6) ? tokens(r, 20_000, 1, 150_000) : 0;
  const cacheCreation = r.chance(0.2) ? tokens(r, 3_000, 1, 50_000) : 0;
  if (row?.tiers.length && r.chance(LONG_CONTEXT_SHARE)) {
    // Past the 200k-token prompt threshold: the whole call is billed at the tier rate.
    cacheRead = r.int(150_000, 400_000);
    input = r.int(50_001, 120_000);
  }
  const d: Dimensions = {};
  if (r.chance(model.reasoning ?? 0)) {
    // Thinking comes on top of the visible answer, and is part of output_tokens.
    d.reasoning_tokens = tokens(r, 1_200, 1.1, 64_000);
    output += d.reasoning_tokens;
    tally('reasoning');
  }
  if (cacheCreation > 0 && model.name.includes('claude') && r.chance(CACHE_1H_SHARE)) {
    // A long-lived prefix (system prompt, tools) goes to the 1-hour cache, often the whole write.
    d.cache_creation_1h_tokens = r.chance(0.6) ? cacheCreation : r.int(1, cacheCreation);
    tally('cache_creation_1h');
  }
  if (row?.priced.has('web_search') && r.chance(WEB_SEARCH_SHARE)) {
    d.web_search_requests = Math.min(20, tokens(r, 1.5, 0.8));
    tally('web_search');
  }
  const u = r.next();
  if (u < BATCH_SHARE) d.service_tier = 'batch';
  else if (u < BATCH_SHARE + FLEX_SHARE) d.service_tier = lists(row, 'service_tier', 'flex') ? 'flex' : undefined;
  else if (u < BATCH_SHARE + FLEX_SHARE + PRIORITY_SHARE) d.service_tier = lists(row, 'service_tier', 'priority') ? 'priority' : undefined;
  if (d.service_tier) tally(`service_tier=${d.service_tier}`);
  // Fast mode is offered with neither batch nor priority.
  if (!d.service_tier && lists(row, 'speed', 'fast') && r.chance(FAST_SHARE)) {
    d.speed = 'fast';
    tally('speed=fast');
  }
  if (lists(row, 'inference_geo', 'us')) {
    const g = r.next();
    d.inference_geo = g < US_SHARE ? 'us' : g < US_SHARE + UNLISTED_GEO_SHARE ? 'eu' : undefined;
    if (d.inference_geo) tally(`inference_geo=${d.inference_geo}`);
  }
  if (r.chance(EXPLICIT_DEFAULTS_SHARE)) {
    d.reasoning_tokens ??= 0;
    d.cache_creation_1h_tokens ??= 0;
    d.web_search_requests ??= 0;
    d.service_tier ??= 'standard';
    d.speed ??= 'standard';
    d.inference_geo ??= 'global';
    tally('explicit defaults');
  }
  const step = r.pick(STEPS);
  let toolTokens: Record<string, number> | undefined;
  if (r.chance(0.35)) {
    const total = input + output + cacheCreation + cacheRead;
    for (const tool of TOOLS) if (r.chance(0.3)) (toolTokens ??= {})[tool] = Math.floor(total * (0.02 + r.next() * 0.1));
  }
  const reportedCost = r.chance(0.1) ? hundredThousandths(r.int(1, 99_999)) : undefined;
  return {
    input, output, cacheCreation, cacheRead, dimensions: d, step, toolTokens, reportedCost,
    longContext: input + cacheCreation + cacheRead > 200_000,
  };
}
