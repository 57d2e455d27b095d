import { execFile, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, Server } from 'node:http';
import { AddressInfo, connect, createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freshWorkspace, startTestApp, TestApp } from '@ledger/testing';
import { CostLedger, CostLedgerError, CostLedgerOptions, fromAnthropicUsage, fromOpenAIUsage } from '../packages/client/src';

/**
 * The client SDK (packages/client) against the whole service on a real TCP port: through a proxy that
 * drops connections after the service answered, with events the service refuses one by one, on shutdown,
 * and against a small server that answers 503 and 429 with `Retry-After`. Costs are read back exactly.
 *
 * Rates (shipped catalog): claude-sonnet-4-20250514 → anthropic/claude-sonnet-4-0, per million: input 3,
 * output 15, cache write 3.75, 1-hour cache write 6, cache read 0.3; web search 10 per thousand.
 * gpt-4o: input 2.5, output 10, cache read 1.25.
 */

/** An Anthropic response's usage: 0.003 + 0.03 + 6,000 × 3.75 (0.0225) + 4,000 × 6 (0.024) + 0.03 + 2 searches (0.02) = 0.1295. */
const ANTHROPIC_USAGE = {
  input_tokens: 1000,
  output_tokens: 2000,
  cache_creation_input_tokens: 10000,
  cache_read_input_tokens: 100000,
  cache_creation: { ephemeral_5m_input_tokens: 6000, ephemeral_1h_input_tokens: 4000 },
  server_tool_use: { web_search_requests: 2 },
  service_tier: 'standard',
};
/** An OpenAI Chat Completions usage: (3000 − 2048) × 2.5 (0.00238) + 2048 × 1.25 (0.00256) + 500 × 10 (0.005) = 0.00994. */
const OPENAI_USAGE = { prompt_tokens: 3000, completion_tokens: 500, prompt_tokens_details: { cached_tokens: 2048 }, completion_tokens_details: { reasoning_tokens: 128 } };

/**
 * A TCP proxy in front of the service. For the first `drops` responses it forwards the request, waits for
 * the service's answer to start, and then closes both sides: the service has stored the batch, the client
 * never hears so.
 */
async function droppingProxy(target: number, drops: number) {
  const sockets = new Set<Socket>();
  let left = drops;
  let dropped = 0;
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (left > 0) {
        left--;
        dropped++;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    dropped: () => dropped,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('@cost-ledger/client against the service over TCP', () => {
  let t: TestApp;
  let port: number;
  const ledgers: CostLedger[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => {
    await Promise.all(ledgers.map((l) => l.shutdown({ timeoutMs: 1000 })));
    await t.close();
  });

  const newLedger = (options: Partial<CostLedgerOptions> & { apiKey: string }, errors: CostLedgerError[] = []) => {
    const ledger = new CostLedger({ baseUrl: `http://127.0.0.1:${port}`, retryBaseDelayMs: 20, retryMaxDelayMs: 100, onError: (e) => errors.push(e), ...options });
    ledgers.push(ledger);
    return ledger;
  };
  const session = async (key: string, id: string, after: string | undefined) => {
    const res = await t.http.get(`/costs/sessions/${id}${after ? `?after=${after}` : ''}`).set('x-api-key', key);
    expect(res.status).toBe(200);
    return res.body;
  };

  it('survives connections dropped after the service stored a batch: the retries are duplicates and the costs count once', async () => {
    const key = await t.keyFor(freshWorkspace('sdk'));
    const proxy = await droppingProxy(port, 2);
    const errors: CostLedgerError[] = [];
    const ledger = newLedger({ baseUrl: `http://127.0.0.1:${proxy.port}`, apiKey: key, batchSize: 3 }, errors);
    try {
      ledger.tokenUsed({ sessionId: 'drop-1', model: 'claude-sonnet-4-20250514', provider: 'anthropic', key: 'msg_01', occurredAt: '2026-11-20T10:00:00Z', ...fromAnthropicUsage(ANTHROPIC_USAGE) });
      ledger.tokenUsed({ sessionId: 'drop-1', model: 'gpt-4o', key: 'chatcmpl_01', occurredAt: '2026-11-20T10:00:02Z', ...fromOpenAIUsage(OPENAI_USAGE, { service_tier: 'default' }) });
      ledger.toolCalled({ sessionId: 'drop-1', toolName: 'Bash', durationMs: 1200, computeCostUsd: '0.0015', occurredAt: '2026-11-20T10:00:03Z' });
      ledger.sessionFinalized({ sessionId: 'drop-1', status: 'completed', numTurns: 2, occurredAt: '2026-11-20T10:00:05Z' });
      await ledger.flush();
    } finally {
      await proxy.close();
    }

    expect(proxy.dropped()).toBe(2);
    expect(errors).toEqual([]);
    // The first batch (3 events) was stored by its first attempt; its first retry's answer was dropped too.
    expect(ledger.stats).toMatchObject({ enqueued: 4, sent: 4, accepted: 1, duplicates: 3, requests: 4, retries: 2, buffered: 0 });
    const body = await session(key, 'drop-1', ledger.position);
    expect(body).toMatchObject({
      token_cost_usd: '0.13944',
      compute_cost_usd: '0.0015',
      total_cost_usd: '0.14094',
      input_tokens: 1952,
      output_tokens: 2500,
      reasoning_tokens: 128,
      cache_creation_tokens: 10000,
      cache_creation_1h_tokens: 4000,
      cache_read_tokens: 102048,
      web_search_requests: 2,
      tool_calls: 1,
      is_finalized: true,
      cost_by_model: { 'claude-sonnet-4-20250514': '0.1295', 'gpt-4o': '0.00994' },
      pricing_status: 'complete',
    });
  });

  it('counts a natural key once across two clients (two processes), and a changed payload under it is refused alone', async () => {
    const key = await t.keyFor(freshWorkspace('sdk'));
    const call = { sessionId: 'key-1', model: 'gpt-4o', key: 'chatcmpl_42', occurredAt: '2026-11-20T11:00:00Z', ...fromOpenAIUsage(OPENAI_USAGE) };
    const first = newLedger({ apiKey: key });
    first.tokenUsed(call);
    await first.shutdown();
    const errors: CostLedgerError[] = [];
    const second = newLedger({ apiKey: key }, errors);
    second.tokenUsed(call);
    second.tokenUsed({ ...call, outputTokens: 501 });
    second.toolCalled({ sessionId: 'key-1', toolName: 'Read', occurredAt: '2026-11-20T11:00:01Z' });
    await second.shutdown();

    expect(first.stats).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(second.stats).toMatchObject({ accepted: 1, duplicates: 1, dropped: { rejected: 1 } });
    expect(errors.map((e) => [e.reason, e.server?.code])).toEqual([['rejected', 'IDEMPOTENCY_CONFLICT']]);
    const body = await session(key, 'key-1', second.position);
    expect(body).toMatchObject({ token_cost_usd: '0.00994', input_tokens: 952, output_tokens: 500, tool_calls: 1 });
  });

  it('drops only the event the service refuses, reporting the service\'s message naming its field, and records the rest', async () => {
    const key = await t.keyFor(freshWorkspace('sdk'));
    const errors: CostLedgerError[] = [];
    const ledger = newLedger({ apiKey: key }, errors);
    ledger.tokenUsed({ sessionId: 'bad-1', model: 'gpt-4o', inputTokens: 1000, outputTokens: 100, occurredAt: '2026-11-20T12:00:00Z' });
    const bad = ledger.tokenUsed({ sessionId: 'bad-1', model: 'gpt-4o', outputTokens: 10, reasoningTokens: 11, occurredAt: '2026-11-20T12:00:01Z' });
    ledger.tokenUsed({ sessionId: 'bad-1', model: 'gpt-4o', inputTokens: 3000, outputTokens: 200, occurredAt: '2026-11-20T12:00:02Z' });
    await ledger.flush();

    expect(ledger.stats).toMatchObject({ sent: 2, accepted: 2, requests: 2, retries: 0, dropped: { rejected: 1 } });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ reason: 'rejected', eventIds: [bad], server: { status: 400, code: 'VALIDATION_ERROR' } });
    expect(errors[0].message).toBe(
      'ledger refused 1 of 3 events (HTTP 400 VALIDATION_ERROR): events[1].reasoning_tokens: reasoning_tokens must be <= output_tokens (it is part of it)',
    );
    // 4,000 input × 2.5 + 300 output × 10 per million.
    expect(await session(key, 'bad-1', ledger.position)).toMatchObject({ token_cost_usd: '0.013', input_tokens: 4000, output_tokens: 300 });
  });

  it('works compiled, alone in a directory with no node_modules: Node 20 is all it needs', async () => {
    const key = await t.keyFor(freshWorkspace('sdk'));
    const dir = mkdtempSync(path.join(tmpdir(), 'sdk-alone-'));
    try {
      const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.resolve(__dirname, '../packages/client/tsconfig.json'), '--outDir', dir, '--sourceMap', 'false'], { encoding: 'utf8' });
      expect(tsc.stdout + tsc.stderr).toBe('');
      const script = `
        const { CostLedger, fromGeminiUsage } = require('./index.js');
        const ledger = new CostLedger({ baseUrl: process.argv[1], apiKey: process.argv[2] });
        ledger.tokenUsed({ sessionId: 'alone-1', model: 'gpt-4o', inputTokens: 1000, outputTokens: 100, occurredAt: '2026-11-20T15:00:00Z' });
        ledger.shutdown().then(() => console.log(JSON.stringify({ stats: ledger.stats, position: ledger.position, gemini: fromGeminiUsage({ promptTokenCount: 9, cachedContentTokenCount: 4 }) })));`;
      // Asynchronous: the service answering it runs in this process.
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, `http://127.0.0.1:${port}`, key], { cwd: dir, env: { PATH: '', NODE_PATH: '' } });
      const out = JSON.parse(stdout);
      expect(out.stats).toMatchObject({ sent: 1, accepted: 1 });
      expect(out.gemini).toEqual({ inputTokens: 5, outputTokens: 0, cacheReadTokens: 4 });
      expect(await session(key, 'alone-1', out.position)).toMatchObject({ token_cost_usd: '0.0035', input_tokens: 1000 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shutdown sends every buffered batch before it resolves, then refuses events', async () => {
    const key = await t.keyFor(freshWorkspace('sdk'));
    const ledger = newLedger({ apiKey: key, batchSize: 100, flushIntervalMs: 60_000 });
    const at = Date.parse('2026-11-20T13:00:00Z');
    for (let i = 0; i < 250; i++) ledger.tokenUsed({ sessionId: 'shut-1', model: 'gpt-4o', inputTokens: 1000, outputTokens: 100, occurredAt: at + i * 1000 });
    expect(ledger.stats.buffered).toBe(250);
    await ledger.shutdown();

    expect(ledger.stats).toMatchObject({ enqueued: 250, sent: 250, accepted: 250, requests: 3, buffered: 0 });
    expect(ledger.tokenUsed({ sessionId: 'shut-1', model: 'gpt-4o', inputTokens: 1 })).toBeNull();
    expect(ledger.stats.dropped.shutdown).toBe(1);
    // 250,000 input × 2.5 + 25,000 output × 10 per million.
    expect(await session(key, 'shut-1', ledger.position)).toMatchObject({ token_cost_usd: '0.875', input_tokens: 250000, output_tokens: 25000, turns: 250 });
  });
});

describe('@cost-ledger/client and the service\'s own rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ LEDGER_RATE_LIMIT_PER_SECOND: '2', LEDGER_RATE_LIMIT_BURST: '1' });
    await t.app.listen(0, '127.0.0.1');
  });
  afterAll(() => t.close());

  it('waits out the 429s as their Retry-After says, and every batch counts once', async () => {
    const key = await t.keyFor(freshWorkspace('sdk'));
    const port = (t.app.getHttpServer().address() as AddressInfo).port;
    // A backoff of a minute: only the service's Retry-After lets this finish within the spec's time.
    const ledger = new CostLedger({ baseUrl: `http://127.0.0.1:${port}`, apiKey: key, batchSize: 1, retryBaseDelayMs: 60_000, random: () => 0.999 });
    const at = Date.parse('2026-11-20T14:00:00Z');
    for (let i = 0; i < 3; i++) ledger.tokenUsed({ sessionId: 'rl-1', model: 'gpt-4o', inputTokens: 1000, outputTokens: 100, occurredAt: at + i });
    await ledger.shutdown();

    // Three requests at two a second with a burst of one: at least one is refused with 429 and retried.
    expect(ledger.stats).toMatchObject({ sent: 3, accepted: 3, duplicates: 0 });
    expect(ledger.stats.retries).toBeGreaterThanOrEqual(1);
    // The read spends the same key's budget: it waits its turn as the client did.
    let res = await t.http.get(`/costs/sessions/rl-1?after=${ledger.position}`).set('x-api-key', key);
    for (let i = 0; i < 5 && res.status === 429; i++) {
      await new Promise((r) => setTimeout(r, Number(res.headers['retry-after']) * 1000));
      res = await t.http.get(`/costs/sessions/rl-1?after=${ledger.position}`).set('x-api-key', key);
    }
    expect([res.status, res.body.token_cost_usd, res.body.input_tokens]).toEqual([200, '0.0105', 3000]);
  }, 20_000);
});

describe('@cost-ledger/client and Retry-After', () => {
  let server: Server;
  const arrivals: number[] = [];
  let retryUntil = 0;

  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => {
        arrivals.push(Date.now());
        if (arrivals.length === 1) {
          res.writeHead(503, { 'retry-after': '1', 'content-type': 'application/json' });
          res.end(JSON.stringify({ success: false, error: { code: 'UNAVAILABLE', message: 'the database is unreachable; retry shortly' } }));
        } else if (arrivals.length === 2) {
          // An HTTP-date has whole seconds: the next whole second at least one second away.
          retryUntil = Math.ceil((Date.now() + 1000) / 1000) * 1000;
          res.writeHead(429, { 'retry-after': new Date(retryUntil).toUTCString(), 'content-type': 'application/json' });
          res.end(JSON.stringify({ success: false, error: { code: 'RATE_LIMITED', message: 'rate limit exceeded for this API key' } }));
        } else {
          res.writeHead(202, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ success: true, data: { accepted: 1, duplicates: 0, position: '7-7' } }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('waits as long as a 503\'s delay-seconds and a 429\'s HTTP-date say, not the backoff', async () => {
    // A backoff of 20 s and more: had Retry-After been ignored, the spec would time out.
    const ledger = new CostLedger({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      apiKey: 'k',
      retryBaseDelayMs: 20_000,
      retryMaxDelayMs: 60_000,
      random: () => 0.999,
      onError: () => {},
    });
    ledger.tokenUsed({ sessionId: 'ra-1', model: 'gpt-4o', inputTokens: 1 });
    await ledger.shutdown();

    expect(arrivals).toHaveLength(3);
    // Timers run off the event loop's cached clock, which can read a few ms behind Date.now().
    expect(arrivals[1] - arrivals[0]).toBeGreaterThanOrEqual(1000 - 10);
    expect(arrivals[1] - arrivals[0]).toBeLessThan(3000);
    expect(arrivals[2]).toBeGreaterThanOrEqual(retryUntil - 10);
    expect(arrivals[2] - arrivals[1]).toBeLessThan(4000);
    expect(ledger.stats).toMatchObject({ sent: 1, retries: 2 });
    expect(ledger.position).toBe('7-7');
  }, 20_000);
});

describe('the SDK in `npm start`\'s build check', () => {
  it('rebuilds when a source of packages/client changes, not when its build output or a spec does', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sdk-build-if-changed-'));
    try {
      const write = (file: string, text: string) => {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), text);
      };
      cpSync(path.resolve(__dirname, '../tools/build-if-changed.mjs'), path.join(dir, 'tools/build-if-changed.mjs'));
      const fakeBuild = `node -e "const fs=require('fs');fs.mkdirSync('dist/apps/ledger/src',{recursive:true});fs.writeFileSync('dist/apps/ledger/src/main.js','')"`;
      write('package.json', JSON.stringify({ name: 'probe', private: true, scripts: { build: fakeBuild, postbuild: 'node tools/build-if-changed.mjs --record' } }));
      write('apps/ledger/src/main.ts', 'export const a = 1;\n');
      write('packages/client/src/index.ts', 'export const b = 1;\n');
      write('packages/client/package.json', '{"name":"@cost-ledger/client"}');
      expect(spawnSync('npm', ['run', 'build'], { cwd: dir }).status).toBe(0);
      // No PATH: a check that decides to build cannot start npm, and its first line is its verdict.
      const check = () => spawnSync(process.execPath, ['tools/build-if-changed.mjs'], { cwd: dir, encoding: 'utf8', env: { ...process.env, PATH: '' } }).stdout.split('\n')[0];
      expect(check()).toBe('dist/ is up to date with the sources: starting without a build');
      write('packages/client/dist/index.d.ts', 'export declare const b = 1;\n');
      write('packages/client/src/index.unit.spec.ts', 'test;\n');
      expect(check()).toBe('dist/ is up to date with the sources: starting without a build');
      write('packages/client/src/index.ts', 'export const b = 2;\n');
      expect(check()).toBe('the sources changed since the last build: building');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
