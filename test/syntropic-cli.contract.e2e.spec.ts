import { createTestDatabase, TestDatabase } from '@ledger/testing';
import { LedgerProcess, startLedgerProcess } from './deployment/support/ledger-process';

/*
 * Syntropic137's own CLI against the real service. The requests and the fields read are copied from
 * github.com/syntropic137/syntropic137 at 3b29537209ad82c4e412b460cf54e2acfe15ff3e:
 * apps/syn-cli-node/src/commands/costs.ts (the five `syn costs` commands), apps/syn-cli-node/src/client/typed.ts
 * (`unwrap` prints `String(error.detail)`), apps/syn-cli-node/src/client/constants.ts (the `/api/v1` prefix
 * unless SYN_NO_PREFIX=1) and apps/syn-cli-node/src/config.ts (`Authorization: Bearer $SYN_API_TOKEN`).
 * The paths and parameters are those of apps/syn-cli-node/src/generated/api-types.ts. None of its code is here.
 */

const ADMIN_KEY = 'cli-contract-admin-key-0123456789';
const WS = 'ws_syn_cli';

/** What each `syn costs` command asks (openapi-fetch drops a null query value) and the fields it prints. */
const CLI = {
  summary: {
    path: () => '/costs/summary',
    reads: ['total_cost_usd', 'total_sessions', 'total_executions', 'total_tokens', 'total_tool_calls', 'top_models', 'top_sessions'],
    /** Each table row: `e["model"]`/`e["session_id"]` and `e["cost"] ?? "$0"`. */
    readsTopModels: ['model', 'cost'],
    readsTopSessions: ['session_id', 'cost'],
  },
  sessions: {
    path: (executionId?: string) => `/costs/sessions?${executionId ? `execution_id=${executionId}&` : ''}limit=50`,
    reads: ['session_id', 'total_cost_usd', 'total_tokens', 'duration_ms', 'tool_calls'],
  },
  session: {
    path: (id: string) => `/costs/sessions/${id}`,
    reads: ['session_id', 'total_cost_usd', 'total_tokens', 'input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens',
      'tool_calls', 'turns', 'duration_ms', 'started_at', 'cost_by_model', 'cost_by_tool'],
  },
  executions: {
    path: () => '/costs/executions?limit=50',
    reads: ['execution_id', 'total_cost_usd', 'session_count', 'total_tokens'],
  },
  execution: {
    path: (id: string) => `/costs/executions/${id}`,
    reads: ['execution_id', 'total_cost_usd', 'session_count', 'total_tokens', 'input_tokens', 'output_tokens', 'cache_creation_tokens',
      'cache_read_tokens', 'duration_ms', 'started_at', 'cost_by_phase', 'cost_by_model', 'cost_by_tool'],
  },
} as const;

/** The CLI's table cut: `sid.slice(0, 12) + "..."`. */
const cut = (id: string) => id.slice(0, 12);

const SESSION_A = 'sess_01HZX4K9B2M7QY3T8W5N6P4R2S';
const SESSION_B = 'sess_01HZX4KQ7D1V0C9E3F6G2H8J5K';
const EXECUTION = 'exec_01HZX4K8Y6T5R4E3W2Q1A9S8D7';

const EVENTS = [
  { event_id: 'a1', type: 'TokenUsed', session_id: SESSION_A, execution_id: EXECUTION, phase_id: 'plan', occurred_at: '2026-04-02T12:00:00.000Z',
    model: 'gpt-4o', input_tokens: 1000, output_tokens: 500 },
  { event_id: 'a2', type: 'TokenUsed', session_id: SESSION_A, execution_id: EXECUTION, phase_id: 'build', occurred_at: '2026-04-02T12:00:10.000Z',
    model: 'claude-sonnet-4-20250514', input_tokens: 2000, output_tokens: 100, cache_creation_tokens: 400 },
  { event_id: 'a3', type: 'ToolCalled', session_id: SESSION_A, execution_id: EXECUTION, phase_id: 'build', occurred_at: '2026-04-02T12:00:20.000Z',
    tool_name: 'Bash', compute_cost_usd: '0.0015' },
  { event_id: 'a4', type: 'SessionFinalized', session_id: SESSION_A, execution_id: EXECUTION, occurred_at: '2026-04-02T12:00:42.000Z',
    num_turns: 2, duration_ms: 42000 },
  { event_id: 'b1', type: 'TokenUsed', session_id: SESSION_B, execution_id: EXECUTION, phase_id: 'build', occurred_at: '2026-04-02T12:01:00.000Z',
    model: 'gpt-4o-mini', input_tokens: 1000, output_tokens: 1000 },
  { event_id: 'b2', type: 'ToolCalled', session_id: SESSION_B, execution_id: EXECUTION, phase_id: 'build', occurred_at: '2026-04-02T12:01:30.000Z',
    tool_name: 'Read', compute_cost_usd: '0.0005' },
];

// Per 1M tokens: gpt-4o 1000×2.50 + 500×10 = 0.0075; sonnet 2000×3 + 100×15 + 400×3.75 = 0.009; gpt-4o-mini 1000×0.15 + 1000×0.60 = 0.00075.
const SESSION_A_VIEW = {
  session_id: SESSION_A, total_cost_usd: '0.018', total_tokens: 4000, input_tokens: 3000, output_tokens: 600, cache_creation_tokens: 400,
  cache_read_tokens: 0, tool_calls: 1, turns: 2, duration_ms: 42000, started_at: '2026-04-02T12:00:00.000Z',
  cost_by_model: { 'gpt-4o': '0.0075', 'claude-sonnet-4-20250514': '0.009' }, cost_by_tool: { Bash: '0.0015' },
};
const SESSION_B_ROW = { session_id: SESSION_B, total_cost_usd: '0.00125', total_tokens: 2000, duration_ms: 30000, tool_calls: 1 };
const EXECUTION_VIEW = {
  execution_id: EXECUTION, total_cost_usd: '0.01925', session_count: 2, total_tokens: 6000, input_tokens: 4000, output_tokens: 1600,
  cache_creation_tokens: 400, cache_read_tokens: 0, duration_ms: 90000, started_at: '2026-04-02T12:00:00.000Z',
  cost_by_phase: { plan: '0.0075', build: '0.01175' },
  cost_by_model: { 'gpt-4o': '0.0075', 'claude-sonnet-4-20250514': '0.009', 'gpt-4o-mini': '0.00075' },
  cost_by_tool: { Bash: '0.0015', Read: '0.0005' },
};

const pick = (body: Record<string, unknown>, fields: readonly string[]) => Object.fromEntries(fields.map((f) => [f, body[f]]));

describe("Syntropic137's CLI (`syn costs …`) against the real service", () => {
  let db: TestDatabase;
  let ledger: LedgerProcess;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    ledger = await startLedgerProcess('syn-cli', { DATABASE_URL: db.url, LEDGER_ADMIN_KEY: ADMIN_KEY });
    await ledger.waitHealthy(40_000);
    const base = `http://127.0.0.1:${ledger.port}`;
    const issued = await fetch(`${base}/v1/admin/api-keys`, {
      method: 'POST', headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' }, body: JSON.stringify({ workspace_id: WS, name: 'syn-cli' }),
    });
    token = ((await issued.json()) as { data: { key: string } }).data.key;
    const posted = await fetch(`${base}/v1/events`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ events: EVENTS }),
    });
    const { position } = ((await posted.json()) as { data: { position: string } }).data;
    // The CLI sends no `after`; wait here once, so that every replayed request sees the events.
    expect((await fetch(`${base}/costs/summary?after=${position}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  }, 90_000);

  afterAll(async () => {
    await ledger?.stop();
    await db?.drop();
  });

  // With SYN_NO_PREFIX=1 the CLI asks the routes as they are; without it, under /api/v1.
  describe.each([
    ['SYN_NO_PREFIX=1', ''],
    ['the default /api/v1 prefix', '/api/v1'],
  ])('with %s', (_, prefix) => {
    /** The CLI's `api.GET(...)` then `unwrap(...)`: the JSON on success, else the line it prints. */
    const syn = async (path: string, bearer = token): Promise<{ status: number; body: Record<string, unknown> & unknown[]; printed?: string }> => {
      const res = await fetch(`http://127.0.0.1:${ledger.port}${prefix}${path}`, { headers: { Authorization: `Bearer ${bearer}` } });
      const body = (await res.json()) as Record<string, unknown> & unknown[];
      return { status: res.status, body, printed: res.ok ? undefined : String(body.detail) };
    };

    it('syn costs summary: every figure, and each top model and session with its cost', async () => {
      const { status, body } = await syn(CLI.summary.path());
      expect(status).toBe(200);
      expect(pick(body, CLI.summary.reads)).toEqual({
        total_cost_usd: '0.01925', total_sessions: 2, total_executions: 1, total_tokens: 6000, total_tool_calls: 2,
        top_models: expect.any(Array), top_sessions: expect.any(Array),
      });
      expect((body.top_models as Record<string, unknown>[]).map((m) => pick(m, CLI.summary.readsTopModels))).toEqual([
        { model: 'claude-sonnet-4-20250514', cost: '0.009' },
        { model: 'gpt-4o', cost: '0.0075' },
        { model: 'gpt-4o-mini', cost: '0.00075' },
      ]);
      expect((body.top_sessions as Record<string, unknown>[]).map((s) => pick(s, CLI.summary.readsTopSessions))).toEqual([
        { session_id: SESSION_A, cost: '0.018' },
        { session_id: SESSION_B, cost: '0.00125' },
      ]);
    });

    it('syn costs sessions [-e]: the table rows', async () => {
      const expected = [SESSION_B_ROW, pick(SESSION_A_VIEW, CLI.sessions.reads)];
      for (const path of [CLI.sessions.path(), CLI.sessions.path(EXECUTION)]) {
        const { status, body } = await syn(path);
        expect(status).toBe(200);
        expect(body.map((s) => pick(s as Record<string, unknown>, CLI.sessions.reads))).toEqual(expected);
      }
    });

    it('syn costs session <id>: by full id and by the 12 characters its table shows', async () => {
      for (const id of [SESSION_A, 'sess_01HZX4K9B']) {
        const { status, body } = await syn(CLI.session.path(id));
        expect(status).toBe(200);
        expect(pick(body, CLI.session.reads)).toEqual(SESSION_A_VIEW);
      }
      // Both sessions start with the 12 characters the table shows: 409, and the message names both.
      const ambiguous = await syn(CLI.session.path(cut(SESSION_A)));
      expect(ambiguous.status).toBe(409);
      expect(ambiguous.printed).toBe(
        `Ambiguous session ID '${cut(SESSION_A)}' matches 2 sessions: ${SESSION_A}, ${SESSION_B}. Provide a longer prefix to disambiguate.`,
      );
    });

    it('syn costs executions: the table rows, each with its session ids', async () => {
      const { status, body } = await syn(CLI.executions.path());
      expect(status).toBe(200);
      expect(body.map((e) => pick(e as Record<string, unknown>, CLI.executions.reads))).toEqual([pick(EXECUTION_VIEW, CLI.executions.reads)]);
      expect((body[0] as { session_ids: string[] }).session_ids).toEqual([SESSION_A, SESSION_B]);
    });

    it('syn costs execution <id>: by full id and by the 12 characters its table shows', async () => {
      for (const id of [EXECUTION, cut(EXECUTION)]) {
        const { status, body } = await syn(CLI.execution.path(id));
        expect(status).toBe(200);
        expect(pick(body, CLI.execution.reads)).toEqual(EXECUTION_VIEW);
      }
    });

    it('prints what went wrong, not [object Object]', async () => {
      expect((await syn(CLI.session.path('sess_nope'))).printed).toBe('Session not found');
      expect((await syn(CLI.execution.path('exec_nope'))).printed).toBe('Execution not found');
      expect(await syn('/costs/no-such-route')).toEqual({ status: 404, body: { detail: 'Not Found' }, printed: 'Not Found' });
      const invalid = await syn('/costs/sessions?limit=0');
      expect(invalid.status).toBe(422);
      expect(invalid.body.detail).toEqual([
        { type: 'greater_than_equal', loc: ['query', 'limit'], msg: 'Input should be greater than or equal to 1', input: '0', ctx: { ge: 1 } },
      ]);
      const unauthorized = await syn(CLI.summary.path(), 'clk_not_a_key');
      expect({ status: unauthorized.status, printed: unauthorized.printed }).toEqual({ status: 401, printed: 'invalid API key' });
    });
  });
});
