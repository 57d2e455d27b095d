import Big from 'big.js';
import { CostAccumulator } from '../support/pricing-oracle';
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

/** Usage is stamped over 30 days, after the 2025-06-10 o3 price change, and before the machine's "now". */
export const WINDOW_START = Date.parse('2026-09-01T00:00:00.000Z');
const WINDOW_MS = 30 * 86_400_000;

/**
 * A long tail: a few models carry most calls. Seven priced models, so that
 * effective-dated rows (o3) and long-context tiers (Sonnet 4, Gemini 2.5 Pro)
 * are exercised, and one model the catalog does not know.
 */
export const MODEL_MIX = [
  { value: 'claude-sonnet-4-20250514', weight: 32 },
  { value: 'gpt-4o-mini', weight: 22 },
  { value: 'claude-3-5-haiku-20241022', weight: 15 },
  { value: 'gpt-4o', weight: 11 },
  { value: 'gemini-2.5-flash', weight: 9 },
  { value: 'gemini-2.5-pro', weight: 6 },
  { value: 'o3', weight: 3 },
  { value: 'acme-internal-1', weight: 2 },
] as const;
const LONG_CONTEXT_MODELS = new Set(['claude-sonnet-4-20250514', 'gemini-2.5-pro']);
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
  const models = new WeightedPicker(MODEL_MIX.map((m) => ({ value: m.value as string, weight: m.weight })));
  const sessionsByWs: number[][] = layout.workspaces.map(() => []);
  layout.sessionExec.forEach((exec, s) => sessionsByWs[layout.execWorkspace[exec]].push(s));

  const batches: (IngestBatch & { at: number })[] = [];
  const truth = new Map<string, WorkspaceTruth>();
  const sessionIds = new Map<string, string[]>();
  const executionIds = new Map<string, string[]>();
  const byModel: Record<string, number> = {};
  const stats = { lateEvents: 0, afterFinalization: 0, resent: 0, longContextCalls: 0, unpricedCalls: 0, retriedBatches: 0 };
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
          const model = r.chance(0.8) ? primary : models.pick(r);
          const call = tokenUsed(r, model);
          if (call.longContext) stats.longContextCalls++;
          json = JSON.stringify({
            event_id: eventId, type: 'TokenUsed', session_id: sessionId, execution_id: executionId, workflow_id: workflowId,
            phase_id: `p${phase}`, occurred_at: iso(at), model, input_tokens: call.input, output_tokens: call.output,
            cache_creation_tokens: call.cacheCreation, cache_read_tokens: call.cacheRead, step_name: call.step,
            tool_tokens: call.toolTokens, reported_cost_usd: call.reportedCost,
          });
          byModel[model] = (byModel[model] ?? 0) + 1;
          t.tokenUsed++;
          t.totalTokens += call.input + call.output + call.cacheCreation + call.cacheRead;
          if (!priced.add(model, at, call)) {
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
    stats: { sessions: layout.sessionExec.length, executions: layout.execStart.length, ...stats, byModel },
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

function tokenUsed(r: Random, model: string) {
  let input = tokens(r, 1_500, 1.2, 150_000);
  const output = tokens(r, 400, 1, 32_000);
  let cacheRead = r.chance(0.6) ? tokens(r, 20_000, 1, 150_000) : 0;
  const cacheCreation = r.chance(0.2) ? tokens(r, 3_000, 1, 50_000) : 0;
  if (LONG_CONTEXT_MODELS.has(model) && r.chance(0.04)) {
    // Past the 200k-token prompt threshold: the whole call is billed at the tier rate.
    cacheRead = r.int(150_000, 400_000);
    input = r.int(50_001, 120_000);
  }
  const step = r.pick(STEPS);
  let toolTokens: Record<string, number> | undefined;
  if (r.chance(0.35)) {
    const total = input + output + cacheCreation + cacheRead;
    for (const tool of TOOLS) if (r.chance(0.3)) (toolTokens ??= {})[tool] = Math.floor(total * (0.02 + r.next() * 0.1));
  }
  const reportedCost = r.chance(0.1) ? hundredThousandths(r.int(1, 99_999)) : undefined;
  return { input, output, cacheCreation, cacheRead, step, toolTokens, reportedCost, longContext: input + cacheCreation + cacheRead > 200_000 };
}
