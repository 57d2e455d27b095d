import Big from 'big.js';
import { requestType } from '../../libs/otlp/src/receiver/otlp-codec';
import { CostAccumulator } from '../support/pricing-oracle';
import { Random, WeightedPicker } from '../support/random';
import { WINDOW_START } from './usage.generator';

/** One OTLP/protobuf `ExportLogsServiceRequest`, encoded up front so that the phase measures the service, not the client. */
export interface OtlpBatch {
  readonly body: Buffer;
  readonly records: number;
  /** The exporter sends the batch again after its 200, as after a lost answer. */
  readonly retry: boolean;
}

/** What the service must report for the OTLP workspace, computed here with the bench's own pricing oracle. */
export interface OtlpTruth {
  readonly sessions: number;
  readonly executions: number;
  /** input + output + cache creation + cache read over every record. */
  readonly totalTokens: number;
  readonly tokenCost: Big;
}

export interface OtlpDataSet {
  readonly workspace: string;
  /** `claude_code.api_request` log records, one usage event each. */
  readonly records: number;
  readonly batches: readonly OtlpBatch[];
  readonly truth: OtlpTruth;
  /** Encoded bytes over all batches (retries excluded). */
  readonly bytes: number;
}

export interface OtlpGeneratorOptions {
  readonly records: number;
  readonly seed: string;
  readonly batchSize?: number;
  readonly retryRate?: number;
}

/** Claude Code's calls by model (first-party names, as Claude Code sends them): Sonnet does the work, Haiku titles and quick queries. */
const MODELS = new WeightedPicker([
  { value: 'claude-sonnet-4-5-20250929', weight: 60 },
  { value: 'claude-haiku-4-5-20251001', weight: 22 },
  { value: 'claude-opus-4-6', weight: 18 },
]);
const FAST_SHARE_OPUS = 0.15;
/** Sonnet 4.5 calls past its 200k-token prompt threshold (the whole call at the tier rate). */
const LONG_CONTEXT_SHARE = 0.03;
const SESSION_CALLS = { min: 1, max: 31 };
const SESSIONS_PER_EXECUTION = 3;
const USERS = 40;
const TERMINALS = ['vscode', 'iTerm.app', 'cursor', 'tmux', 'WarpTerminal'];
const WINDOW_MS = 30 * 86_400_000;
const VERSION = '2.1.302';

/** `n` random hex digits, eight at a time (one draw each). */
function hex(r: Random, n: number): string {
  let out = '';
  while (out.length < n) out += Math.floor(r.next() * 0x1_0000_0000).toString(16).padStart(8, '0');
  return out.slice(0, n);
}
const uuid = (r: Random) => `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-${'89ab'[r.int(0, 3)]}${hex(r, 3)}-${hex(r, 12)}`;
const tokens = (r: Random, median: number, sigma: number, max: number) => Math.max(1, Math.min(max, Math.round(r.logNormal(median, sigma))));
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

/**
 * The OTLP phase's data (ADR 0006, addendum): `records` Claude Code `api_request` log records in the shape its
 * OTLP log exporter sends (scope `com.anthropic.claude_code.events`, counts as text, `cost_usd` a double,
 * `OTEL_RESOURCE_ATTRIBUTES`' `ledger.execution_id` on each record; see test/otlp/fixtures/claude-code), in
 * requests of `batchSize` records, each encoded with protobufjs through the receiver's own descriptor. One
 * workspace, priced independently record by record as the Claude Code normalizer reads it (provider anthropic,
 * `speed: fast` only when fast), so the run can compare its `/costs/summary` exactly.
 */
export function generateOtlpUsage(options: OtlpGeneratorOptions): OtlpDataSet {
  const r = new Random(`${options.seed}/otlp`);
  const batchSize = options.batchSize ?? 500;
  const type = requestType('logs');
  const organization = uuid(r);
  const users = Array.from({ length: USERS }, () => ({ account: uuid(r), id: hex(r, 64), terminal: r.pick(TERMINALS) }));
  const resource = {
    attributes: [str('service.name', 'claude-code'), str('service.version', VERSION), str('os.type', 'linux'), str('host.arch', 'amd64')],
  };
  const scope = { name: 'com.anthropic.claude_code.events', version: VERSION };
  const priced = new CostAccumulator();
  const batches: OtlpBatch[] = [];
  let totalTokens = 0;
  let sessions = 0;
  let bytes = 0;

  let pending: object[] = [];
  const flush = () => {
    // Written in the message's own shape (64-bit integers as decimal strings, which protobufjs's writer reads through Long), so no fromObject copy.
    const body = Buffer.from(type.encode({ resourceLogs: [{ resource, scopeLogs: [{ scope, logRecords: pending }] }] }).finish());
    bytes += body.length;
    batches.push({ body, records: pending.length, retry: r.chance(options.retryRate ?? 0.05) });
    pending = [];
  };

  let left = 0;
  let session = '';
  let execution = '';
  let user = users[0];
  let prompt = '';
  let at = WINDOW_START;
  let sequence = 0;
  for (let i = 0; i < options.records; i++) {
    if (left === 0) {
      left = r.int(SESSION_CALLS.min, SESSION_CALLS.max);
      if (sessions % SESSIONS_PER_EXECUTION === 0) execution = `exe-otlp-${(sessions / SESSIONS_PER_EXECUTION).toString(36)}`;
      sessions++;
      session = uuid(r);
      user = r.pick(users);
      at = WINDOW_START + Math.floor(r.next() * (WINDOW_MS - 86_400_000));
      sequence = 0;
    }
    left--;
    if (sequence === 0 || r.chance(0.3)) prompt = uuid(r);
    at += Math.round(r.logNormal(15_000, 1));
    const model = MODELS.pick(r);
    let input = tokens(r, 60, 2, 40_000);
    let cacheRead = r.chance(0.9) ? tokens(r, 30_000, 0.8, 150_000) : 0;
    const cacheCreation = r.chance(0.35) ? tokens(r, 2_500, 1, 60_000) : 0;
    if (model.startsWith('claude-sonnet') && r.chance(LONG_CONTEXT_SHARE)) {
      cacheRead = r.int(180_000, 400_000);
      input = r.int(1_000, 30_000);
    }
    const output = tokens(r, 350, 1, 32_000);
    const fast = model === 'claude-opus-4-6' && r.chance(FAST_SHARE_OPUS);
    totalTokens += input + output + cacheRead + cacheCreation;
    const call = { provider: 'anthropic', input_tokens: input, output_tokens: output, cache_read_tokens: cacheRead, cache_creation_tokens: cacheCreation, ...(fast ? { speed: 'fast' } : {}) };
    if (priced.add(model, at, call) !== 'priced') throw new Error(`${model} at ${new Date(at).toISOString()} is not priced by the shipped catalog`);
    const nanos = `${at}000000`;
    pending.push({
      timeUnixNano: nanos,
      observedTimeUnixNano: nanos,
      body: { stringValue: 'claude_code.api_request' },
      attributes: [
        str('session.id', session),
        str('app.version', VERSION),
        str('organization.id', organization),
        str('user.account_uuid', user.account),
        str('user.id', user.id),
        str('terminal.type', user.terminal),
        str('ledger.execution_id', execution),
        str('event.name', 'api_request'),
        str('event.timestamp', new Date(at).toISOString()),
        { key: 'event.sequence', value: { intValue: String(++sequence) } },
        str('prompt.id', prompt),
        str('model', model),
        str('input_tokens', String(input)),
        str('output_tokens', String(output)),
        str('cache_read_tokens', String(cacheRead)),
        str('cache_creation_tokens', String(cacheCreation)),
        // Claude Code's own estimate, kept beside the computed cost (never used for it).
        { key: 'cost_usd', value: { doubleValue: r.int(1, 400_000) / 1_000_000 } },
        str('duration_ms', String(r.int(400, 60_000))),
        str('ttft_ms', String(r.int(150, 4_000))),
        str('request_id', `req_011${hex(r, 21)}`),
        str('speed', fast ? 'fast' : 'normal'),
        str('query_source', model.startsWith('claude-haiku') ? 'generate_session_title' : 'repl_main_thread'),
      ],
    });
    if (pending.length === batchSize) flush();
  }
  if (pending.length) flush();
  return {
    workspace: 'bench-otlp',
    records: options.records,
    batches,
    truth: { sessions, executions: Math.ceil(sessions / SESSIONS_PER_EXECUTION), totalTokens, tokenCost: priced.cost() },
    bytes,
  };
}
