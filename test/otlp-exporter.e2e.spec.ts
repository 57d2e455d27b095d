import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SpanKind } from '@opentelemetry/api';
import { freshWorkspace, startTestApp, TestApp } from '@ledger/testing';

const ROOT = path.resolve(__dirname, '..');

/**
 * Issue 16 §3: the OpenTelemetry JS SDK's own OTLP/HTTP exporters, configured by the standard OTEL_* variables
 * alone, as a user configures Claude Code or an instrumented app, against the service on a real port. Costs are
 * read back from `/costs/sessions/{id}` and compared with figures computed by hand from the shipped catalog;
 * an exporter's retry of a batch the service already stored counts once.
 */

/**
 * Shipped catalog rates, USD per 1M tokens (libs/pricing/catalog/genai-prices.snapshot.json):
 * anthropic/claude-sonnet-4-5: input 3, output 15, cache write 3.75, cache read 0.3 (tier only above 200k prompt tokens);
 * anthropic/claude-haiku-4-5: input 1, output 5, cache write 1.25, cache read 0.1;
 * openai/gpt-4o-mini: input 0.15, output 0.6, cache read 0.075.
 */
const CLAUDE_CALLS = [
  // 1200×3 + 340×15 + 2000×3.75 + 9000×0.3 = 3600 + 5100 + 7500 + 2700 = 18900 → $0.0189
  { model: 'claude-sonnet-4-5-20250929', input: 1200, output: 340, cacheRead: 9000, cacheCreation: 2000, costUsd: '0.019', ms: 0 },
  // 57×3 + 1024×15 + 24000×0.3 = 171 + 15360 + 7200 = 22731 → $0.022731
  { model: 'claude-sonnet-4-5-20250929', input: 57, output: 1024, cacheRead: 24000, cacheCreation: 0, costUsd: '0.0227', ms: 41_000 },
  // 800×1 + 120×5 = 1400 → $0.0014
  { model: 'claude-haiku-4-5-20251001', input: 800, output: 120, cacheRead: 0, cacheCreation: 0, costUsd: '0.0014', ms: 43_500 },
] as const;
/** The three calls: $0.0189 + $0.022731 + $0.0014; what Claude Code reported: 0.019 + 0.0227 + 0.0014. */
const CLAUDE_SESSION = {
  total_cost_usd: '0.043031',
  token_cost_usd: '0.043031',
  compute_cost_usd: '0',
  reported_cost_usd: '0.0431',
  input_tokens: 2057,
  output_tokens: 1484,
  cache_read_tokens: 33000,
  cache_creation_tokens: 2000,
  total_tokens: 38541,
  tool_calls: 1,
  pricing_status: 'complete',
};

/**
 * GenAI-convention chat spans: `gen_ai.usage.input_tokens` counts cache reads inside it.
 * Span 1: (2000 − 1500)×0.15 + 1500×0.075 + 300×0.6 = 75 + 112.5 + 180 = 367.5 → $0.0003675;
 * span 2: 1000×0.15 + 50×0.6 = 150 + 30 = 180 → $0.00018. The agent span above them sums its children's usage
 * and must not count again; the tool span between them is a tool call.
 */
const GENAI_SESSION = {
  total_cost_usd: '0.0005475',
  input_tokens: 1500,
  output_tokens: 350,
  cache_read_tokens: 1500,
  cache_creation_tokens: 0,
  total_tokens: 3350,
  tool_calls: 1,
};

const BASE_MS = Date.parse('2026-11-20T09:30:00.000Z');

/** A log record as the SDK's `Logger.emit` takes it. */
interface LogRecordPlan {
  readonly timestamp: number;
  readonly body: string;
  readonly attributes: Record<string, string | number>;
}

/** A span: its parent by index into the plan, its times in ms. */
interface SpanPlan {
  readonly name: string;
  readonly kind: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly attributes: Record<string, string | number>;
  readonly parent: number | null;
}

type EmitPlan =
  | { readonly signal: 'logs'; readonly scope: string; readonly records: readonly LogRecordPlan[] }
  | { readonly signal: 'traces'; readonly scope: string; readonly spans: readonly SpanPlan[] };

/**
 * The telemetry side, run as its own process by plain node, as a runtime configured by its environment runs:
 * the SDK's own providers, batch processors and OTLP/HTTP exporters, built with no option but the resource an
 * SDK start-up detects (OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME); the exporter class is the one the
 * signal's protocol names, as @opentelemetry/sdk-node chooses it. (Inside Jest it could not run at all: the
 * exporters load node:http with a dynamic import(), which Jest's CommonJS runtime refuses.) Prints each
 * export's result.
 */
const EMITTER = `
'use strict';
const { ROOT_CONTEXT, trace } = require('@opentelemetry/api');
const { defaultResource, detectResources, envDetector } = require('@opentelemetry/resources');
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const plan = JSON.parse(process.argv[1]);
const results = [];
const recording = (exporter) => ({
  export: (items, done) => exporter.export(items, (r) => { results.push({ code: r.code, error: r.error ? String(r.error.message) : null }); done(r); }),
  shutdown: () => exporter.shutdown(),
  forceFlush: () => (exporter.forceFlush ? exporter.forceFlush() : Promise.resolve()),
});
const protocol = (signal) => process.env['OTEL_EXPORTER_OTLP_' + signal + '_PROTOCOL'] || process.env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
const exporterPackages = {
  LOGS: { 'http/protobuf': '@opentelemetry/exporter-logs-otlp-proto', 'http/json': '@opentelemetry/exporter-logs-otlp-http' },
  TRACES: { 'http/protobuf': '@opentelemetry/exporter-trace-otlp-proto', 'http/json': '@opentelemetry/exporter-trace-otlp-http' },
};
const exporterFor = (signal, name) => {
  const pkg = exporterPackages[signal][protocol(signal)];
  if (!pkg) throw new Error('no OTLP/HTTP exporter installed for ' + signal + ' over ' + protocol(signal));
  return recording(new (require(pkg)[name])());
};
const resource = defaultResource().merge(detectResources({ detectors: [envDetector] }));
async function main() {
  let provider;
  if (plan.signal === 'logs') {
    provider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: exporterFor('LOGS', 'OTLPLogExporter') })] });
    const logger = provider.getLogger(plan.scope);
    for (const record of plan.records) logger.emit(record);
  } else {
    provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporterFor('TRACES', 'OTLPTraceExporter'))] });
    const tracer = provider.getTracer(plan.scope);
    const spans = [];
    for (const s of plan.spans) {
      const parent = s.parent === null ? ROOT_CONTEXT : trace.setSpan(ROOT_CONTEXT, spans[s.parent]);
      spans.push(tracer.startSpan(s.name, { kind: s.kind, startTime: s.startMs, attributes: s.attributes }, parent));
    }
    plan.spans.forEach((s, i) => spans[i].end(s.endMs));
  }
  await provider.forceFlush();
  await provider.shutdown();
  process.stdout.write(JSON.stringify(results));
}
main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err));
  process.exit(1);
});
`;

/**
 * Runs the telemetry side with exactly these OTEL_* variables (and PATH) as its environment; resolves with the
 * result of each export, all of which must have succeeded (a flush does not say).
 */
async function emit(env: Record<string, string>, plan: EmitPlan): Promise<number> {
  const child = spawn(process.execPath, ['-e', EMITTER, JSON.stringify(plan)], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`the emitter exited ${code}: ${stderr}`);
  const results = JSON.parse(stdout) as { code: number; error: string | null }[];
  expect(results).toEqual(results.map(() => ({ code: 0, error: null })));
  return results.length;
}

/**
 * One Claude Code session as its log exporter sends it (code.claude.com/docs/en/monitoring-usage, and the
 * shapes of test/otlp/fixtures/claude-code): the body names the event, `event.name` names it without the prefix,
 * counts are text, `cost_usd` a double, `event.sequence` an integer. An `api_request` per model call, a
 * `tool_decision` and a `tool_result`, and the prompt, which carries no usage.
 */
function claudeCodeSession(sessionId: string): EmitPlan {
  const promptId = randomUUID();
  const records: LogRecordPlan[] = [];
  const record = (at: number, event: string, attributes: Record<string, string | number>) =>
    records.push({
      timestamp: at,
      body: `claude_code.${event}`,
      attributes: {
        'session.id': sessionId,
        'app.version': '2.1.302',
        'organization.id': '3fa85f64-5717-4562-b3fc-2c963f66afa6',
        'user.account_uuid': 'a41d7c92-6e3b-4f05-8d1a-c2b9e7f3065d',
        'terminal.type': 'vscode',
        'event.name': event,
        'event.timestamp': new Date(at).toISOString(),
        'event.sequence': records.length + 1,
        'prompt.id': promptId,
        ...attributes,
      },
    });
  record(BASE_MS - 800, 'user_prompt', { prompt_length: '57', prompt: '<REDACTED>' });
  CLAUDE_CALLS.forEach((call, i) =>
    record(BASE_MS + call.ms, 'api_request', {
      model: call.model,
      input_tokens: String(call.input),
      output_tokens: String(call.output),
      cache_read_tokens: String(call.cacheRead),
      cache_creation_tokens: String(call.cacheCreation),
      cost_usd: Number(call.costUsd),
      duration_ms: String(2000 + call.output * 9),
      request_id: `req_011CVhT${sessionId.slice(0, 8)}${i}`,
      speed: 'normal',
      query_source: call.model.includes('haiku') ? 'generate_session_title' : 'repl_main_thread',
    }),
  );
  const toolUse = `toolu_01${sessionId.replace(/-/g, '').slice(0, 16)}`;
  record(BASE_MS + 44_000, 'tool_decision', { tool_name: 'Bash', tool_use_id: toolUse, decision: 'accept', source: 'config' });
  record(BASE_MS + 45_000, 'tool_result', { tool_name: 'Bash', tool_use_id: toolUse, success: 'true', duration_ms: '412', decision_type: 'accept', decision_source: 'config' });
  return { signal: 'logs', scope: 'com.anthropic.claude_code.events', records };
}

/**
 * An agent turn as an app traced with the GenAI conventions reports it (the shapes of
 * test/otlp/fixtures/gen-ai/openai-agent-trace.json): an agent span whose usage sums its two chat spans', and a
 * tool span between them.
 */
function genAiTurn(conversationId: string): EmitPlan {
  const at = (s: number) => BASE_MS + s * 1000;
  const inAgent = { 'gen_ai.provider.name': 'openai', 'gen_ai.conversation.id': conversationId, 'gen_ai.agent.name': 'support-agent' };
  const chat = { ...inAgent, 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.response.model': 'gpt-4o-mini-2024-07-18', 'server.address': 'api.openai.com' };
  const spans: SpanPlan[] = [
    {
      name: 'invoke_agent support-agent', kind: SpanKind.INTERNAL, startMs: at(0), endMs: at(7), parent: null,
      attributes: { ...inAgent, 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 3000, 'gen_ai.usage.cache_read.input_tokens': 1500, 'gen_ai.usage.output_tokens': 350 },
    },
    {
      name: 'chat gpt-4o-mini', kind: SpanKind.CLIENT, startMs: at(1), endMs: at(4), parent: 0,
      attributes: { ...chat, 'gen_ai.response.id': `chatcmpl-${conversationId}-1`, 'gen_ai.usage.input_tokens': 2000, 'gen_ai.usage.cache_read.input_tokens': 1500, 'gen_ai.usage.output_tokens': 300 },
    },
    {
      name: 'execute_tool lookup_order', kind: SpanKind.INTERNAL, startMs: at(4), endMs: at(4) + 250, parent: 0,
      attributes: { ...inAgent, 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup_order', 'gen_ai.tool.type': 'function', 'gen_ai.tool.call.id': `call_${conversationId}` },
    },
    {
      name: 'chat gpt-4o-mini', kind: SpanKind.CLIENT, startMs: at(5), endMs: at(6), parent: 0,
      attributes: { ...chat, 'gen_ai.response.id': `chatcmpl-${conversationId}-2`, 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 50 },
    },
  ];
  return { signal: 'traces', scope: 'support-agent', spans };
}

interface Attempt {
  readonly path: string;
  /** The body as the exporter sent it, gunzipped when it came gzipped. */
  readonly body: Buffer;
  readonly contentType: string;
  readonly contentEncoding: string | undefined;
  /** What the service answered the forwarded request. */
  readonly serviceStatus: number;
  readonly serviceContentType: string;
}

/**
 * A proxy that loses the service's first answer: it forwards every request to the service and waits for its
 * answer, then hands the exporter that answer, except for the first request, to which it answers 503 with
 * `Retry-After: 0` or whose connection it drops. The exporter then
 * sends the very batch the service has already stored.
 */
async function losingProxy(target: string, lose: 'a 503' | 'a dropped connection'): Promise<{ url: string; attempts: Attempt[]; close(): Promise<void> }> {
  const attempts: Attempt[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const headers = { ...req.headers, host: new URL(target).host };
      const forward = http.request(new URL(req.url ?? '/', target), { method: req.method, headers, agent: false }, (answer) => {
        const answered: Buffer[] = [];
        answer.on('data', (c: Buffer) => answered.push(c));
        answer.on('end', () => {
          const first = attempts.length === 0;
          attempts.push({
            path: req.url ?? '',
            body: req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw,
            contentType: String(req.headers['content-type']),
            contentEncoding: req.headers['content-encoding'],
            serviceStatus: answer.statusCode ?? 0,
            serviceContentType: String(answer.headers['content-type']).split(';')[0],
          });
          if (first && lose === 'a dropped connection') {
            req.socket.destroy();
            return;
          }
          if (first) {
            res.writeHead(503, { 'retry-after': '0', 'content-type': 'text/plain' }).end('lost the upstream answer');
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(answered));
        });
      });
      forward.on('error', (err) => res.writeHead(502).end(err.message));
      forward.end(raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    attempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('OTLP from the OpenTelemetry JS SDK exporters, configured by OTEL_* variables alone', () => {
  let t: TestApp;
  let origin: string;

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await t.close();
  });

  /** A fresh workspace and its key, and placement ids no other test uses. */
  const tenant = async () => {
    const ws = freshWorkspace('otel');
    return { ws, key: await t.keyFor(ws), sessionId: randomUUID(), executionId: `exe-${randomUUID()}` };
  };

  /** Polls the session's view until it shows `want` or the deadline passes, then compares the last answer with it. */
  async function sessionOnceProjected(key: string, sessionId: string, want: Record<string, unknown>): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 15_000;
    let body: Record<string, unknown> = {};
    for (;;) {
      const res = await t.http.get(`/costs/sessions/${encodeURIComponent(sessionId)}`).set('x-api-key', key);
      body = res.status === 200 ? (res.body as Record<string, unknown>) : { status: res.status };
      const reached = Object.entries(want).every(([k, v]) => JSON.stringify(body[k]) === JSON.stringify(v));
      if (reached || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(body).toMatchObject(want);
    return body;
  }

  /** Events the log holds for a workspace: a retry counted twice would show here before any projection. */
  const loggedEvents = async (ws: string) =>
    (await t.db.pool.query<{ type: string; n: string }>(`SELECT event_type AS type, count(*)::text AS n FROM event_log WHERE data->>'workspace_id' = $1 GROUP BY 1 ORDER BY 1`, [ws])).rows.map(
      (r) => [r.type, Number(r.n)],
    );

  it('Claude Code logs through the protobuf exporter, keyed by x-api-key, placed by OTEL_RESOURCE_ATTRIBUTES', async () => {
    const { ws, key, sessionId, executionId } = await tenant();
    const exports = await emit(
      {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_ENDPOINT: `${origin}/otlp`,
        OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${key}`,
        OTEL_RESOURCE_ATTRIBUTES: `ledger.execution_id=${executionId},ledger.workflow_id=nightly-refactor,service.name=claude-code,service.version=2.0.50`,
      },
      claudeCodeSession(sessionId),
    );
    expect(exports).toBe(1);
    const session = await sessionOnceProjected(key, sessionId, { ...CLAUDE_SESSION, execution_id: executionId, workflow_id: 'nightly-refactor' });
    expect(session.session_id).toBe(sessionId);
    expect(await loggedEvents(ws)).toEqual([
      ['TokenUsed', 3],
      ['ToolCalled', 1],
    ]);
  });

  it('Claude Code logs through the JSON exporter, gzip, keyed by Authorization=Bearer in the per-signal variables', async () => {
    const { ws, key, sessionId, executionId } = await tenant();
    await emit(
      {
        OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${origin}/otlp/v1/logs`,
        OTEL_EXPORTER_OTLP_LOGS_HEADERS: `Authorization=Bearer ${key}`,
        OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: 'gzip',
        OTEL_RESOURCE_ATTRIBUTES: `ledger.execution_id=${executionId},service.name=claude-code`,
      },
      claudeCodeSession(sessionId),
    );
    await sessionOnceProjected(key, sessionId, { ...CLAUDE_SESSION, execution_id: executionId });
    expect(await loggedEvents(ws)).toEqual([
      ['TokenUsed', 3],
      ['ToolCalled', 1],
    ]);
  });

  it.each(['http/protobuf', 'http/json'])('GenAI spans through the %s trace exporter, gzip, Bearer: chat spans count, the agent span over them does not', async (protocol) => {
    const { ws, key, sessionId, executionId } = await tenant();
    await emit(
      {
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol,
        OTEL_EXPORTER_OTLP_ENDPOINT: `${origin}/otlp`,
        OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${key}`,
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
        OTEL_SERVICE_NAME: 'support-agent',
        OTEL_RESOURCE_ATTRIBUTES: `ledger.execution_id=${executionId},deployment.environment.name=staging`,
      },
      genAiTurn(sessionId),
    );
    await sessionOnceProjected(key, sessionId, { ...GENAI_SESSION, execution_id: executionId, phase_id: 'support-agent' });
    expect(await loggedEvents(ws)).toEqual([
      ['TokenUsed', 2],
      ['ToolCalled', 1],
    ]);
  });

  it.each([
    ['http/protobuf', 'none', 'a 503'],
    ['http/json', 'gzip', 'a 503'],
    ['http/protobuf', 'gzip', 'a dropped connection'],
  ] as const)('counts once a batch (%s, compression %s) the exporter sends again when the service’s answer to it is lost to %s', async (protocol, compression, lose) => {
    const { ws, key, sessionId, executionId } = await tenant();
    const proxy = await losingProxy(origin, lose);
    try {
      const exports = await emit(
        {
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
          OTEL_EXPORTER_OTLP_ENDPOINT: `${proxy.url}/otlp`,
          OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${key}`,
          OTEL_EXPORTER_OTLP_COMPRESSION: compression,
          OTEL_RESOURCE_ATTRIBUTES: `ledger.execution_id=${executionId},service.name=claude-code`,
        },
        claudeCodeSession(sessionId),
      );
      const { attempts } = proxy;
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      // The same batch each time, and the service stored it, acknowledged it, and acknowledged its repeat.
      const contentType = protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
      expect(attempts.map((a) => [a.path, a.contentType, a.contentEncoding, a.serviceStatus, a.serviceContentType])).toEqual(
        attempts.map(() => ['/otlp/v1/logs', contentType, compression === 'gzip' ? 'gzip' : undefined, 200, contentType]),
      );
      for (const a of attempts.slice(1)) expect(a.body.equals(attempts[0].body)).toBe(true);
      // One export, however many attempts it took.
      expect(exports).toBe(1);
      expect(await loggedEvents(ws)).toEqual([
        ['TokenUsed', 3],
        ['ToolCalled', 1],
      ]);
      await sessionOnceProjected(key, sessionId, { ...CLAUDE_SESSION, execution_id: executionId });
    } finally {
      await proxy.close();
    }
  });
});
