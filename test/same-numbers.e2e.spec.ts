import Big from 'big.js';
import { READ_MODEL_SCHEMA } from '@ledger/database';
import { formatPosition, PgEventStore } from '@ledger/event-store';
import { sessionStream, storeEventId } from '@ledger/ingest';
import { ADMIN_KEY, freshWorkspace, startTestApp, TestApp } from '@ledger/testing';
import { dumpReadModel } from '../libs/projections/testing/usage-history';

/**
 * The same numbers in every view (ADR 0016): a session belongs to the first execution its events name in
 * log order, and every event of it counts there, whatever it names. Costs below are worked out from the
 * catalog's list prices per 1M tokens: gpt-4o $2.50 / $10, gpt-4o-mini $0.15 / $0.60, Claude Sonnet 4 $3 / $15.
 */
const RATES: Record<string, [string, string] | undefined> = {
  'gpt-4o': ['2.50', '10'],
  'gpt-4o-mini': ['0.15', '0.60'],
  'claude-sonnet-4-20250514': ['3', '15'],
  'acme-unpriced-7': undefined,
};
const MODELS = Object.keys(RATES);
/** A TokenUsed call's cost, independently of the ledger: null when the model has no price. */
const callCost = (model: string, input: number, output: number): Big | null => {
  const rates = RATES[model];
  return rates ? new Big(rates[0]).times(input).plus(new Big(rates[1]).times(output)).div(1_000_000) : null;
};

type Event = Record<string, unknown> & { event_id: string; type: string; session_id: string; occurred_at: string; execution_id?: string };

describe('every view gives the same numbers', () => {
  let t: TestApp;
  let store: PgEventStore;
  let position = '0-0';

  const post = async (key: string, events: Event[], status = 202) => {
    const res = await t.http.post('/v1/events').set('x-api-key', key).send({ events });
    expect({ status: res.status, body: res.body }).toMatchObject({ status });
    if (status === 202) position = res.body.data.position;
    return res;
  };
  /** Bypasses ingest, as a batch racing one that names the session's execution first can. */
  const appendToLog = async (workspace: string, e: Event) => {
    const { type, ...fields } = e;
    const data = { workspace_id: workspace, cache_creation_tokens: 0, cache_read_tokens: 0, ...fields };
    const { position: at } = await store.append([
      { streamId: sessionStream(workspace, e.session_id), events: [{ id: storeEventId(workspace, e.event_id), type, data }], expectedRevision: 'any' },
    ]);
    position = formatPosition(at);
  };
  const get = (key: string, path: string) => t.http.get(`${path}${path.includes('?') ? '&' : '?'}after=${position}`).set('x-api-key', key);

  const call = (id: string, session: string, at: string, model: string, input: number, output: number, execution?: string): Event => ({
    event_id: id, type: 'TokenUsed', session_id: session, occurred_at: at, model, input_tokens: input, output_tokens: output,
    ...(execution !== undefined && { execution_id: execution }),
  });
  const tool = (id: string, session: string, at: string, cost: string, execution?: string): Event => ({
    event_id: id, type: 'ToolCalled', session_id: session, occurred_at: at, tool_name: 'Bash', compute_cost_usd: cost,
    ...(execution !== undefined && { execution_id: execution }),
  });

  beforeAll(async () => {
    t = await startTestApp();
    store = new PgEventStore(t.db.pool);
  });
  afterAll(async () => {
    await store.close();
    await t.close();
  });

  describe('which execution a call belongs to', () => {
    let ws: string;
    let key: string;
    beforeAll(async () => {
      ws = freshWorkspace('rule');
      key = await t.keyFor(ws);
    });

    it("counts a session's later events that name no execution under its execution, in the run view as in the execution view", async () => {
      await post(key, [
        // 1000×2.50 + 2000×10 = 22500 per 1M
        call('r1', 's1', '2026-03-02T10:00:00.000Z', 'gpt-4o', 1000, 2000, 'run_r'),
        // 4000×0.15 + 1000×0.60 = 1200 per 1M; names no execution: it inherits run_r
        call('r2', 's1', '2026-03-02T10:01:00.000Z', 'gpt-4o-mini', 4000, 1000),
        tool('r3', 's1', '2026-03-02T10:02:00.000Z', '0.004'),
      ]);
      const execution = (await get(key, '/costs/executions/run_r')).body;
      expect(execution).toMatchObject({ total_cost_usd: '0.0277', token_cost_usd: '0.0237', compute_cost_usd: '0.004', tool_calls: 1, input_tokens: 5000 });
      const run = (await get(key, '/v1/workflow-runs/run_r/cost')).body.data;
      expect(run).toMatchObject({
        totalCostUsdExact: '0.0237', toolComputeCostUsdExact: '0.004', totalCalls: 2, totalToolCalls: 1, totalInputTokens: 5000,
        calls: [expect.objectContaining({ eventId: 'r1', costUsdExact: '0.0225' }), expect.objectContaining({ eventId: 'r2', costUsdExact: '0.0012' })],
      });
    });

    it('moves a session\'s earlier events to the execution it names later, in every view', async () => {
      // 100×2.50 + 100×10 = 1250 per 1M, recorded and projected before the session names its execution
      await post(key, [call('a1', 's2', '2026-03-02T09:00:00.000Z', 'gpt-4o', 100, 100)]);
      expect((await get(key, '/costs/sessions/s2')).body.execution_id).toBeNull();
      await post(key, [call('a2', 's2', '2026-03-02T11:00:00.000Z', 'gpt-4o', 100, 100, 'run_r')]);
      expect((await get(key, '/costs/sessions/s2')).body).toMatchObject({ execution_id: 'run_r', total_cost_usd: '0.0025' });
      const execution = (await get(key, '/costs/executions/run_r')).body;
      expect(execution).toMatchObject({ total_cost_usd: '0.0302', session_count: 2, started_at: '2026-03-02T09:00:00.000Z' });
      const run = (await get(key, '/v1/workflow-runs/run_r/cost')).body.data;
      expect(run).toMatchObject({ totalCostUsdExact: '0.0262', totalCalls: 4 });
      expect(run.calls.map((c: { eventId: string }) => c.eventId)).toEqual(['a1', 'r1', 'r2', 'a2']);
    });

    it('refuses an event naming another execution than its session\'s with 409 CONFLICT naming both, storing nothing of the batch', async () => {
      const sameBatch = await post(key, [
        call('c1', 's3', '2026-03-02T12:00:00.000Z', 'gpt-4o', 1, 1, 'run_a'),
        call('c2', 's3', '2026-03-02T12:00:01.000Z', 'gpt-4o', 1, 1),
        call('c3', 's3', '2026-03-02T12:00:02.000Z', 'gpt-4o', 1, 1, 'run_b'),
      ], 409);
      expect(sameBatch.body.error).toMatchObject({
        code: 'CONFLICT',
        message: expect.stringMatching(/events\[2\] names execution run_b, but session s3 belongs to execution run_a/),
        details: [{ index: 2, field: 'execution_id', message: expect.stringContaining('run_a') }],
      });
      expect((await get(key, '/costs/sessions/s3')).status).toBe(404);
      // s1 is projected under run_r.
      const projected = await post(key, [call('c4', 's4', '2026-03-02T12:00:00.000Z', 'gpt-4o', 1, 1), call('c5', 's1', '2026-03-02T12:00:00.000Z', 'gpt-4o', 1, 1, 'run_x')], 409);
      expect(projected.body.error).toMatchObject({ code: 'CONFLICT', details: [{ index: 1, field: 'execution_id', message: expect.stringMatching(/s1 belongs to execution run_r, not run_x/) }] });
      expect((await get(key, '/costs/sessions/s4')).status).toBe(404);
      await post(key, [call('c6', 's1', '2026-03-02T12:00:00.000Z', 'gpt-4o', 1, 1, 'run_r'), call('c7', 's1', '2026-03-02T12:00:00.000Z', 'gpt-4o', 1, 1)]);
    });

    it('counts an event naming another execution that reached the log unseen under its session\'s', async () => {
      // 10×2.50 + 10×10 = 125 per 1M
      await appendToLog(ws, call('x1', 's1', '2026-03-02T13:00:00.000Z', 'gpt-4o', 10, 10, 'run_other'));
      const run = (await get(key, '/v1/workflow-runs/run_r/cost')).body.data;
      expect(run.calls.map((c: { eventId: string }) => c.eventId)).toContain('x1');
      expect((await get(key, '/v1/workflow-runs/run_other/cost')).status).toBe(404);
      expect((await get(key, '/costs/executions/run_other')).status).toBe(404);
    });
  });

  describe('the admin key without workspace_id', () => {
    it('answers 409 CONFLICT naming the workspaces for an id two of them hold, and reads it once one is named', async () => {
      const [w1, w2] = [freshWorkspace('twin'), freshWorkspace('twin')];
      for (const w of [w1, w2]) await post(await t.keyFor(w), [call('t1', 'twin_s', '2026-03-02T10:00:00.000Z', 'gpt-4o', 1, 1, 'twin_run')]);
      const names = expect.stringContaining([w1, w2].sort().join(', '));
      const session = await get(ADMIN_KEY, '/costs/sessions/twin_s');
      expect({ status: session.status, body: session.body }).toEqual({ status: 409, body: { detail: names } });
      const execution = await get(ADMIN_KEY, '/costs/executions/twin_run');
      expect({ status: execution.status, msg: execution.body.detail }).toEqual({ status: 409, msg: names });
      const run = await get(ADMIN_KEY, '/v1/workflow-runs/twin_run/cost');
      expect({ status: run.status, error: run.body.error }).toMatchObject({
        status: 409, error: { code: 'CONFLICT', message: names, details: [{ field: 'workspace_id', workspaces: [w1, w2].sort() }] },
      });
      for (const path of ['/costs/sessions/twin_s', '/costs/executions/twin_run', '/v1/workflow-runs/twin_run/cost']) {
        expect((await get(ADMIN_KEY, `${path}?workspace_id=${w2}`)).status).toBe(200);
      }
    });
  });

  describe('random event streams', () => {
    const SEED = 1316;

    /** mulberry32: a small deterministic PRNG. */
    function rng(seed: number) {
      let a = seed >>> 0;
      const next = () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let x = a;
        x = Math.imul(x ^ (x >>> 15), x | 1);
        x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
        return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
      };
      return { int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] };
    }

    /** What every view must answer for one execution or one workspace, summed with big.js from the events. */
    interface Totals {
      tokenCost: Big;
      computeCost: Big;
      input: number;
      output: number;
      calls: number;
      toolCalls: number;
      sessions: Set<string>;
    }
    const totals = (): Totals => ({ tokenCost: new Big(0), computeCost: new Big(0), input: 0, output: 0, calls: 0, toolCalls: 0, sessions: new Set() });
    function add(x: Totals, e: Event): void {
      x.sessions.add(e.session_id);
      if (e.type === 'TokenUsed') {
        x.calls++;
        x.input += e.input_tokens as number;
        x.output += e.output_tokens as number;
        const cost = callCost(e.model as string, e.input_tokens as number, e.output_tokens as number);
        if (cost) x.tokenCost = x.tokenCost.plus(cost);
      } else if (e.type === 'ToolCalled') {
        x.toolCalls++;
        x.computeCost = x.computeCost.plus(e.compute_cost_usd as string);
      }
    }

    interface Workspace {
      id: string;
      key: string;
      /** In log order, each with how it is sent. */
      log: { event: Event; direct: boolean }[];
    }

    const START = Date.parse('2026-03-01T00:00:00.000Z');
    const SPAN = 3 * 86_400_000;

    /**
     * Sessions with and without an execution; some name it only on some events, some only after their first
     * events; now and then an event naming another execution reaches the log unseen by ingest (written directly,
     * after the session has named its own); times run against the log (late events); tool calls and finalizations.
     */
    function generate(r: ReturnType<typeof rng>, tag: string): Event[][] {
      const sessions: Event[][] = [];
      for (let s = 0; s < 20; s++) {
        const session = `s${s}`;
        const execution = r.int(4) ? `run-${r.int(6)}` : undefined;
        const namesFrom = r.int(3) === 0 ? 1 + r.int(3) : 0;
        const events: Event[] = [];
        const n = 1 + r.int(7);
        for (let i = 0; i < n; i++) {
          const at = new Date(START + r.int(SPAN)).toISOString();
          const id = `${tag}-${s}-${i}`;
          const named = execution !== undefined && i >= namesFrom && r.int(5) < 3 ? execution : undefined;
          const e = r.int(5) === 0
            ? tool(id, session, at, `0.${String(r.int(100_000)).padStart(5, '0')}`, named)
            : call(id, session, at, r.pick(MODELS), r.int(20_000), r.int(5_000), named);
          events.push(e);
        }
        if (r.int(2)) events.push({ event_id: `${tag}-${s}-f`, type: 'SessionFinalized', session_id: session, occurred_at: new Date(START + r.int(SPAN)).toISOString(), status: 'completed' });
        // Another execution, written straight to the log once the session has named its own (or has none).
        const firstNamed = events.findIndex((e) => e.execution_id !== undefined);
        if (r.int(4) === 0 && (execution === undefined || firstNamed >= 0)) {
          const other = call(`${tag}-${s}-x`, session, new Date(START + r.int(SPAN)).toISOString(), r.pick(MODELS), r.int(20_000), r.int(5_000), `other-${r.int(3)}`);
          const at = execution === undefined ? r.int(events.length + 1) : firstNamed + 1 + r.int(events.length - firstNamed);
          events.splice(at, 0, { ...other, direct: true } as Event);
        }
        sessions.push(events);
      }
      // Interleave the sessions, each in its own order.
      const order: Event[] = [];
      const cursors = sessions.map(() => 0);
      while (order.length < sessions.reduce((k, s) => k + s.length, 0)) {
        const s = r.int(sessions.length);
        if (cursors[s] < sessions[s].length) order.push(sessions[s][cursors[s]++]);
      }
      // Cut into batches; an event written directly ends the batch before it.
      const batches: Event[][] = [[]];
      for (const e of order) {
        if (e.direct || batches[batches.length - 1].length >= 1 + r.int(30)) batches.push([]);
        batches[batches.length - 1].push(e);
        if (e.direct) batches.push([]);
      }
      return batches.filter((b) => b.length);
    }

    it(`agree with each other and with a big.js oracle on every execution's and workspace's totals (seed ${SEED})`, async () => {
      const r = rng(SEED);
      const workspaces: Workspace[] = [];
      for (let w = 0; w < 3; w++) {
        const id = freshWorkspace(`prop${w}`);
        workspaces.push({ id, key: await t.keyFor(id), log: [] });
      }
      const streams = workspaces.map((w, i) => ({ w, batches: generate(r, `w${i}`) }));
      // The workspaces' batches interleaved, sent one after another: the log's order is the order sent.
      while (streams.some((s) => s.batches.length)) {
        const s = r.pick(streams.filter((x) => x.batches.length));
        const batch = s.batches.shift()!;
        if (batch[0].direct) {
          const { direct: _, ...event } = batch[0];
          await appendToLog(s.w.id, event as Event);
        } else {
          await post(s.w.key, batch);
        }
        s.w.log.push(...batch.map((event) => ({ event, direct: !!event.direct })));
        // Now and then the projector catches up between batches, so that late naming moves projected facts.
        if (r.int(4) === 0) await get(s.w.key, '/costs/summary');
      }

      let checkedExecutions = 0;
      for (const w of workspaces) {
        // The oracle: each session's execution is the first its events name in log order.
        const sessionExecution = new Map<string, string>();
        for (const { event } of w.log) {
          if (event.execution_id !== undefined && !sessionExecution.has(event.session_id)) sessionExecution.set(event.session_id, event.execution_id);
        }
        const workspace = totals();
        const byExecution = new Map<string, Totals>();
        for (const { event } of w.log) {
          add(workspace, event);
          const execution = sessionExecution.get(event.session_id);
          if (execution === undefined) continue;
          if (!byExecution.has(execution)) byExecution.set(execution, totals());
          add(byExecution.get(execution)!, event);
        }
        const label = (what: string) => `${w.id} ${what}`;

        const list = await get(w.key, '/costs/executions?limit=200');
        expect(list.headers.link).toBeUndefined();
        const listed = new Map<string, Record<string, unknown>>(list.body.map((e: { execution_id: string }) => [e.execution_id, e]));
        expect([...listed.keys()].sort()).toEqual([...byExecution.keys()].sort());
        const sessions = await get(w.key, '/costs/sessions?limit=200');
        expect(sessions.headers.link).toBeUndefined();
        for (const s of sessions.body as { session_id: string; execution_id: string | null }[]) {
          expect({ session: s.session_id, execution: s.execution_id }).toEqual({ session: s.session_id, execution: sessionExecution.get(s.session_id) ?? null });
        }

        for (const [execution, x] of byExecution) {
          const syntropic = {
            what: label(execution), total_cost_usd: x.tokenCost.plus(x.computeCost).toFixed(), token_cost_usd: x.tokenCost.toFixed(),
            compute_cost_usd: x.computeCost.toFixed(), input_tokens: x.input, output_tokens: x.output, tool_calls: x.toolCalls, session_count: x.sessions.size,
          };
          const one = (await get(w.key, `/costs/executions/${execution}`)).body;
          expect({ what: label(execution), ...one }).toMatchObject(syntropic);
          expect({ what: label(execution), ...listed.get(execution) }).toMatchObject(syntropic);
          const run = (await get(w.key, `/v1/workflow-runs/${execution}/cost?calls_limit=1000`)).body.data;
          expect({ what: label(execution), ...run, callsSum: run.calls.reduce((sum: Big, c: { costUsdExact: string | null }) => sum.plus(c.costUsdExact ?? 0), new Big(0)).toFixed() })
            .toMatchObject({
              what: label(execution), totalCostUsdExact: x.tokenCost.toFixed(), callsSum: x.tokenCost.toFixed(), toolComputeCostUsdExact: x.computeCost.toFixed(),
              totalInputTokens: x.input, totalOutputTokens: x.output, totalCalls: x.calls, totalToolCalls: x.toolCalls, nextCallsCursor: null,
            });
          expect(run.calls).toHaveLength(x.calls);
          const itsSessions = (await get(w.key, `/costs/sessions?execution_id=${execution}&limit=200`)).body as { total_cost_usd: string }[];
          expect({ what: label(execution), sum: itsSessions.reduce((sum, s) => sum.plus(s.total_cost_usd), new Big(0)).toFixed(), n: itsSessions.length })
            .toEqual({ what: label(execution), sum: syntropic.total_cost_usd, n: x.sessions.size });
          checkedExecutions++;
        }

        const all = workspace.tokenCost.plus(workspace.computeCost).toFixed();
        expect({ what: label('sessions'), sum: (sessions.body as { total_cost_usd: string }[]).reduce((sum, s) => sum.plus(s.total_cost_usd), new Big(0)).toFixed() })
          .toEqual({ what: label('sessions'), sum: all });
        const summary = (await get(w.key, '/costs/summary')).body;
        expect({ what: label('summary'), ...summary }).toMatchObject({
          what: label('summary'), total_cost_usd: all, total_tool_calls: workspace.toolCalls, total_sessions: workspace.sessions.size,
          total_executions: byExecution.size, total_tokens: workspace.input + workspace.output,
        });
        const v1 = (await get(w.key, '/v1/cost/summary')).body.data;
        expect({ what: label('v1 summary'), ...v1 }).toMatchObject({
          what: label('v1 summary'), totalCostUsdExact: workspace.tokenCost.toFixed(), toolComputeCostUsdExact: workspace.computeCost.toFixed(),
          totalCalls: workspace.calls, totalToolCalls: workspace.toolCalls, totalRuns: byExecution.size,
          totalInputTokens: workspace.input, totalOutputTokens: workspace.output,
        });
        const range = `from=${new Date(START).toISOString()}&to=${new Date(START + SPAN).toISOString()}`;
        const series = (await get(w.key, `/v1/cost/timeseries?${range}&granularity=day&tz=${r.pick(['UTC', 'Asia/Kolkata', 'America/New_York'])}`)).body.data;
        type Bucket = { costUsdExact: string; toolComputeCostUsdExact: string; calls: number; toolCalls: number };
        const sum = (f: (b: Bucket) => string | number) => (series.buckets as Bucket[]).reduce((s, b) => s.plus(f(b)), new Big(0)).toFixed();
        expect({ what: label('series'), total: series.totalCostUsdExact, cost: sum((b) => b.costUsdExact), compute: sum((b) => b.toolComputeCostUsdExact), calls: sum((b) => b.calls), toolCalls: sum((b) => b.toolCalls) })
          .toEqual({
            what: label('series'), total: workspace.tokenCost.toFixed(), cost: workspace.tokenCost.toFixed(), compute: workspace.computeCost.toFixed(),
            calls: String(workspace.calls), toolCalls: String(workspace.toolCalls),
          });
      }
      // The stream exercised what it is meant to: executions in several workspaces, events written past ingest.
      expect(checkedExecutions).toBeGreaterThan(10);
      expect(workspaces.flatMap((w) => w.log).filter((e) => e.direct).length).toBeGreaterThan(2);

      // What the live projection built batch by batch, a restatement from the facts and a replay of the log build row for row.
      const live = await dumpReadModel(t.db.pool, READ_MODEL_SCHEMA);
      for (const source of ['facts', 'log']) {
        const res = await t.http.post('/v1/admin/projections/rebuild').set('x-api-key', ADMIN_KEY).send({ source });
        expect(res.status).toBe(202);
        await rebuilt(res.body.data.rebuild_id);
        expect({ source, rows: await dumpReadModel(t.db.pool, READ_MODEL_SCHEMA) }).toEqual({ source, rows: live });
      }
    });

    async function rebuilt(id: number): Promise<void> {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const { rebuild, pending_rebuilds } = (await t.http.get('/v1/admin/projections').set('x-api-key', ADMIN_KEY)).body.data[0];
        if (rebuild?.id >= id && rebuild.state === 'done' && pending_rebuilds === 0) return;
        if (rebuild?.state === 'failed') throw new Error(`rebuild failed: ${rebuild.error}`);
        if (Date.now() > deadline) throw new Error(`rebuild ${id} did not finish`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
});
