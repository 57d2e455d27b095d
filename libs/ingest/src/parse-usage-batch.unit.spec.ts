import 'reflect-metadata';
import { validateSync, IsString } from 'class-validator';
import { ValidationError } from '@ledger/http';
import { PRICE_MODIFIERS, USAGE_CLASSES } from '@ledger/pricing';
import { compileVerdict } from './compiled-verdict';
import { parseUsageBatch, toIsoUtc } from './parse-usage-batch';
import { BODY_CLASS_BY_TYPE } from './usage-batch.dto';

const NOW = new Date('2026-04-02T12:00:00.000Z');
const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true, validationError: { target: false, value: false } };

const GOOD: Record<string, unknown>[] = [
  { event_id: 'e1', type: 'TokenUsed', session_id: 's1', occurred_at: '2026-04-02T11:00:05.100Z', model: 'gpt-4o' },
  {
    event_id: 'ses-00a1.17:x_y-z', type: 'TokenUsed', session_id: 's1', execution_id: 'ex1', workflow_id: 'wf1', phase_id: 'p1',
    occurred_at: '2026-04-02T13:00:05+02:00', model: 'claude-sonnet-4-20250514', input_tokens: 0, output_tokens: 1_000_000_000,
    cache_creation_tokens: 5, cache_read_tokens: 7, step_name: 'plan', tool_tokens: { Read: 100, Bash: 0 }, reported_cost_usd: '0.0118',
  },
  { event_id: 'e3', type: 'ToolCalled', session_id: 's1', occurred_at: '2026-04-02T11:00:05Z', tool_name: 'Bash' },
  { event_id: 'e4', type: 'ToolCalled', session_id: 's1', phase_id: 'p2', occurred_at: '2026-04-02T11:00:05.1Z', tool_name: 'Read', duration_ms: 1200, compute_cost_usd: '0.00050', status: 'ok' },
  { event_id: 'e5', type: 'SessionFinalized', session_id: 's1', occurred_at: '2026-04-02T11:00:05.100+0130' },
  { event_id: 'e6', type: 'SessionFinalized', session_id: 's1', occurred_at: '2026-04-02T11:00Z', status: 'cancelled', duration_ms: 0, num_turns: 3 },
  {
    event_id: 'e7', type: 'TokenUsed', session_id: 's1', occurred_at: '2026-04-02T11:00:05.100Z', model: 'claude-opus-5', input_tokens: 10, output_tokens: 40,
    reasoning_tokens: 40, cache_creation_tokens: 30, cache_creation_1h_tokens: 20, web_search_requests: 3, service_tier: 'priority', speed: 'fast', inference_geo: 'us',
  },
];

/** Values that sit on either side of each rule, and of each type. */
const PROBES: unknown[] = [
  undefined, null, '', ' ', 'x', 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(128), 'x'.repeat(129), 'x'.repeat(200), 'x'.repeat(201),
  'ok id', 'é', '😀'.repeat(128), '😀'.repeat(129), 0, -0, -1, 1, 1.5, 1e9, 1e9 + 1, 2 ** 31 - 1, 2 ** 31, 3e9, 31_536_000_000, 31_536_000_001, 1e19, 1e21, Number.MAX_SAFE_INTEGER, true, false,
  '1', '0.0342', '.5', '1.', '-0.1', '1e3', '0.1234567890123456789', '123456789012345678.1', '1234567890123456789',
  [], ['a'], {}, { Read: 1 }, { Read: -1 }, { Read: 1.5 }, { Read: '1' }, { '': 1 }, { ['t'.repeat(129)]: 1 }, { Read: 1e9 + 1 },
  'TokenUsed', 'completed', 'failed', 'done', 'gpt-4o', 'standard', 'batch', 'fast', 'global', 'us', 'US', 'eu-west_1', '-us', 'g'.repeat(32), 'g'.repeat(33), 39, 41,
  '2026-04-02T12:00:00Z', '2026-04-02T12:00:00', '2026-04-02', '2026-02-30T00:00:00.000Z', '2026-04-02T12:00:00.1234567890Z', 'yesterday',
];

const PROTOTYPE_KEYS = ['constructor', 'hasOwnProperty', '__proto__', 'toString', 'valueOf'];

/** Every good event with each of its fields (and a few foreign ones) set to each probe, or removed. */
function* battery(): Generator<Record<string, unknown>> {
  for (const good of GOOD) {
    yield good;
    const fields = new Set([
      ...Object.keys(good), 'input_tokens', 'tool_tokens', 'tool_name', 'model', 'status', 'duration_ms', 'num_turns', 'nonsense',
      ...USAGE_CLASSES.map((c) => c.field), ...PRICE_MODIFIERS.map((m) => m.field),
    ]);
    for (const field of fields) {
      const { [field]: _dropped, ...without } = good;
      yield without;
      for (const probe of PROBES) yield { ...good, [field]: probe };
    }
    for (const type of ['TokenUsed', 'ToolCalled', 'SessionFinalized', 'Bogus', 7]) yield { ...good, type };
  }
}

const classValidatorAccepts = (event: Record<string, unknown>): boolean => {
  const cls = BODY_CLASS_BY_TYPE[event.type as keyof typeof BODY_CLASS_BY_TYPE];
  return validateSync(Object.setPrototypeOf({ ...event }, cls.prototype), OPTIONS).length === 0;
};

describe('compileVerdict', () => {
  const verdicts = Object.fromEntries(Object.entries(BODY_CLASS_BY_TYPE).map(([type, cls]) => [type, compileVerdict(cls)]));

  it('gives class-validator’s verdict on every event of the battery', () => {
    let checked = 0;
    let accepted = 0;
    for (const event of battery()) {
      const verdict = verdicts[event.type as string];
      if (!verdict) continue;
      const expected = classValidatorAccepts(event);
      if (verdict(event) !== expected) throw new Error(`verdict ${!expected} but class-validator says ${expected} for ${JSON.stringify(event)}`);
      checked++;
      if (expected) accepted++;
    }
    expect(checked).toBeGreaterThan(3000);
    expect(accepted).toBeGreaterThan(100);
  });

  it('refuses keys that class-validator’s whitelist lets through by inheritance, leaving them to class-validator', () => {
    for (const key of PROTOTYPE_KEYS) {
      const event = JSON.parse(`{"${key}": 1, "event_id": "e1", "type": "ToolCalled", "session_id": "s", "occurred_at": "2026-04-02T11:00:00Z", "tool_name": "Bash"}`);
      expect(verdicts.ToolCalled(event)).toBe(false);
      // class-validator lets some through as inherited, and refuses `constructor` without naming it: parseUsageBatch names each.
      expect(() => parseUsageBatch({ events: [event] }, 'ws', NOW)).toThrow(
        expect.objectContaining({ problems: [{ index: 0, field: key, message: `property ${key} should not exist`, location: 'body' }] }),
      );
    }
  });

  it('refuses to compile a rule it cannot reproduce', () => {
    class Each {
      @IsString({ each: true }) tags: string[];
    }
    expect(() => compileVerdict(Each)).toThrow(/does not reproduce/);
  });
});

describe('parseUsageBatch', () => {
  it('names every bad field with class-validator’s own messages', () => {
    const run = () =>
      parseUsageBatch(
        {
          events: [
            GOOD[0],
            { event_id: 'bad id!', type: 'TokenUsed', session_id: '', occurred_at: '2026-04-02T12:00:00', model: 'gpt-4o', input_tokens: -1, extra: 1 },
            { event_id: 'x2', type: 'ToolCalled', session_id: 's', occurred_at: '2026-04-02T12:00:00Z', compute_cost_usd: 0.5 },
            { event_id: 'x3', type: 'Bogus', session_id: 's', occurred_at: '2026-04-02T12:00:00Z' },
            { event_id: 'x4', type: 'SessionFinalized', session_id: 's', occurred_at: '2026-04-02T12:06:00Z' },
            'nope',
          ],
        },
        'ws',
        NOW,
      );
    expect(run).toThrow(ValidationError);
    let problems: unknown;
    try {
      run();
    } catch (err) {
      problems = (err as ValidationError).problems;
    }
    expect(problems).toEqual([
      { index: 1, location: 'body', field: 'extra', message: 'property extra should not exist' },
      { index: 1, location: 'body', field: 'input_tokens', message: 'input_tokens must be >= 0' },
      { index: 1, location: 'body', field: 'event_id', message: 'event_id must be 1-128 characters of letters, digits, . _ : -' },
      { index: 1, location: 'body', field: 'session_id', message: 'session_id must be longer than or equal to 1 characters' },
      { index: 1, location: 'body', field: 'occurred_at', message: 'occurred_at must be an ISO-8601 date-time with a timezone, e.g. 2026-04-02T12:00:05.100Z' },
      { index: 2, location: 'body', field: 'tool_name', message: 'tool_name must be longer than or equal to 1 characters' },
      { index: 2, location: 'body', field: 'compute_cost_usd', message: 'compute_cost_usd must be a decimal string such as "0.0015", at most 18 digits before the point and 18 after' },
      { index: 3, location: 'body', field: 'type', message: 'type must be one of TokenUsed, ToolCalled, SessionFinalized' },
      { index: 4, location: 'body', field: 'occurred_at', message: 'occurred_at is more than 5 minutes in the future' },
      { index: 5, location: 'body', field: '', message: 'each event must be a JSON object' },
    ]);
  });

  it('refuses every value the read model cannot store, naming the field and its bound', () => {
    const problems = (events: unknown[]) => {
      try {
        parseUsageBatch({ events }, 'ws', NOW);
      } catch (err) {
        return (err as ValidationError).problems.map((p) => `${p.index}.${p.field}: ${p.message}`);
      }
      return [];
    };
    const at = { session_id: 's3', occurred_at: '2025-08-01T00:00:00Z' };
    // The reproduction of issue 13: 3,000,000,000 turns was accepted, then stopped the projector for every workspace.
    expect(problems([{ event_id: 'p1', type: 'SessionFinalized', ...at, num_turns: 3_000_000_000 }])).toEqual(['0.num_turns: num_turns must be <= 2147483647']);
    expect(
      problems([
        { event_id: 'p2', type: 'ToolCalled', ...at, tool_name: 'Bash', duration_ms: 1e19 },
        { event_id: 'p3', type: 'SessionFinalized', ...at, duration_ms: 31_536_000_001 },
        { event_id: 'p4', type: 'TokenUsed', ...at, model: 'gpt-4o', output_tokens: 1_000_000_001 },
        { event_id: 'p5', type: 'TokenUsed', ...at, model: 'gpt-4o', reported_cost_usd: '1234567890123456789' },
        { event_id: 'p6', type: 'ToolCalled', ...at, tool_name: 'Bash', compute_cost_usd: '0.1234567890123456789' },
      ]),
    ).toEqual([
      '0.duration_ms: duration_ms must be <= 31536000000',
      '1.duration_ms: duration_ms must be <= 31536000000',
      '2.output_tokens: output_tokens must be <= 1000000000',
      '3.reported_cost_usd: reported_cost_usd must be a decimal string such as "0.0342", at most 18 digits before the point and 18 after',
      '4.compute_cost_usd: compute_cost_usd must be a decimal string such as "0.0015", at most 18 digits before the point and 18 after',
    ]);
    expect(
      problems([
        { event_id: 'q1', type: 'SessionFinalized', ...at, num_turns: 2_147_483_647, duration_ms: 31_536_000_000 },
        { event_id: 'q2', type: 'ToolCalled', ...at, tool_name: 'Bash', duration_ms: 31_536_000_000, compute_cost_usd: '999999999999999999.999999999999999999' },
      ]),
    ).toEqual([]);
  });

  it('normalises what it accepts: defaults, UTC milliseconds, canonical decimals, no nulls', () => {
    const [first, second, , fourth, fifth] = parseUsageBatch({ events: GOOD.map((e) => ({ ...e, execution_id: e.execution_id ?? null })) }, 'ws', NOW);
    expect(first).toEqual({
      type: 'TokenUsed',
      data: {
        workspace_id: 'ws', event_id: 'e1', session_id: 's1', occurred_at: '2026-04-02T11:00:05.100Z', model: 'gpt-4o',
        input_tokens: 0, output_tokens: 0, cache_creation_tokens: 0, cache_read_tokens: 0,
      },
    });
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
    expect(second.data).toMatchObject({ occurred_at: '2026-04-02T11:00:05.000Z', reported_cost_usd: '0.0118', execution_id: 'ex1' });
    expect(fourth.data).toMatchObject({ occurred_at: '2026-04-02T11:00:05.100Z', compute_cost_usd: '0.0005' });
    expect(fifth.data).toMatchObject({ occurred_at: '2026-04-02T09:30:05.100Z' });
  });
});

describe('parseUsageBatch: the usage classes and price modifiers of @ledger/pricing (issue 14)', () => {
  const call = (extra: Record<string, unknown> = {}) => ({
    event_id: 'n1', type: 'TokenUsed', session_id: 's1', occurred_at: '2026-04-02T11:00:05.100Z', model: 'm', ...extra,
  });
  const problems = (events: unknown[]): string[] => {
    try {
      parseUsageBatch({ events }, 'ws', NOW);
    } catch (err) {
      return (err as ValidationError).problems.map((p) => `${p.index}.${p.field}: ${p.message}`);
    }
    return [];
  };
  const BASE = { workspace_id: 'ws', event_id: 'n1', session_id: 's1', occurred_at: '2026-04-02T11:00:05.100Z', model: 'm' };
  const ZEROS = { input_tokens: 0, output_tokens: 0, cache_creation_tokens: 0, cache_read_tokens: 0 };
  /** The payload as the store keeps it (JSON: no undefined members). */
  const stored = (extra: Record<string, unknown> = {}) => JSON.parse(JSON.stringify(parseUsageBatch({ events: [call(extra)] }, 'ws', NOW)[0].data));

  it('accepts a field for every usage class and modifier, and stores each that is sent and not its default', () => {
    expect(stored({
      input_tokens: 1000, output_tokens: 2000, reasoning_tokens: 500, cache_creation_tokens: 12000, cache_creation_1h_tokens: 8000,
      cache_read_tokens: 100000, web_search_requests: 3, service_tier: 'batch', speed: 'fast', inference_geo: 'us',
    })).toEqual({
      ...BASE, input_tokens: 1000, output_tokens: 2000, reasoning_tokens: 500, cache_creation_tokens: 12000, cache_creation_1h_tokens: 8000,
      cache_read_tokens: 100000, web_search_requests: 3, service_tier: 'batch', speed: 'fast', inference_geo: 'us',
    });
    // Derived, not listed: every class and modifier the pricing slice describes is a field ingest accepts and stores.
    const every = Object.fromEntries([
      ...USAGE_CLASSES.map((c) => [c.field, 7]),
      ...PRICE_MODIFIERS.map((m) => [m.field, 'values' in m ? m.values.find((v) => v !== m.default) : 'eu']),
    ]);
    expect(stored(every)).toEqual({ ...BASE, ...every });
  });

  it('stores the four original counts always, and omits later classes at 0 and modifiers at their default: they compare equal to absent', () => {
    const absent = stored();
    expect(absent).toEqual({ ...BASE, ...ZEROS });
    expect(stored({ reasoning_tokens: 0, cache_creation_1h_tokens: 0, web_search_requests: 0, service_tier: 'standard', speed: 'standard', inference_geo: 'global' }))
      .toEqual(absent);
    expect(stored({ reasoning_tokens: null, cache_creation_1h_tokens: null, web_search_requests: null, service_tier: null, speed: null, inference_geo: null }))
      .toEqual(absent);
    expect(stored({ input_tokens: 0, output_tokens: 0, cache_creation_tokens: 0, cache_read_tokens: 0 })).toEqual(absent);
    expect(stored({ output_tokens: 9, reasoning_tokens: 9, service_tier: 'standard', speed: 'fast' })).toEqual({ ...BASE, ...ZEROS, output_tokens: 9, reasoning_tokens: 9, speed: 'fast' });
  });

  it('bounds every new count like the others, naming the field and its bound', () => {
    expect(problems([
      call({ output_tokens: 10, reasoning_tokens: 1_000_000_001 }),
      call({ cache_creation_1h_tokens: -1 }),
      call({ web_search_requests: 1.5 }),
      call({ web_search_requests: '3' }),
      call({ web_search_requests: 1_000_000_000 }),
    ])).toEqual([
      '0.reasoning_tokens: reasoning_tokens must be <= 1000000000',
      '1.cache_creation_1h_tokens: cache_creation_1h_tokens must be >= 0',
      '2.web_search_requests: web_search_requests must be an integer',
      '3.web_search_requests: web_search_requests must be an integer',
    ]);
  });

  it('refuses a subset larger than its parent, naming the subset, and so the whole batch', () => {
    expect(problems([
      call({ event_id: 'ok' }),
      call({ output_tokens: 4, reasoning_tokens: 5 }),
      call({ reasoning_tokens: 1 }),
      call({ cache_creation_tokens: 7999, cache_creation_1h_tokens: 8000 }),
      call({ cache_creation_1h_tokens: 3, input_tokens: 3 }),
    ])).toEqual([
      '1.reasoning_tokens: reasoning_tokens must be <= output_tokens (it is part of it)',
      '2.reasoning_tokens: reasoning_tokens must be <= output_tokens (it is part of it)',
      '3.cache_creation_1h_tokens: cache_creation_1h_tokens must be <= cache_creation_tokens (it is part of it)',
      '4.cache_creation_1h_tokens: cache_creation_1h_tokens must be <= cache_creation_tokens (it is part of it)',
    ]);
    // The rule is the pricing slice's `partOf`: every subset class is held to its parent.
    for (const cls of USAGE_CLASSES.filter((c) => 'partOf' in c)) {
      const parent = USAGE_CLASSES.find((c) => c.key === (cls as { partOf: string }).partOf)!.field;
      expect(problems([call({ [parent]: 41, [cls.field]: 42 })])).toEqual([`0.${cls.field}: ${cls.field} must be <= ${parent} (it is part of it)`]);
      expect(problems([call({ [parent]: 42, [cls.field]: 42 })])).toEqual([]);
    }
  });

  it('names only the parent when the parent itself is not a valid count', () => {
    expect(problems([call({ output_tokens: -1, reasoning_tokens: 5 }), call({ output_tokens: '9', reasoning_tokens: 5 })])).toEqual([
      '0.output_tokens: output_tokens must be >= 0',
      '1.output_tokens: output_tokens must be an integer',
    ]);
  });

  it('refuses a modifier value it does not know, naming the field and the values it takes', () => {
    expect(problems([
      call({ service_tier: 'auto' }),
      call({ service_tier: 'Batch' }),
      call({ speed: 'slow' }),
      call({ inference_geo: 'US' }),
      call({ inference_geo: '' }),
      call({ inference_geo: 'g'.repeat(33) }),
      call({ service_tier: 2 }),
      call({ inference_geo: 'eu-west_1', service_tier: 'flex', speed: 'standard' }),
    ])).toEqual([
      '0.service_tier: service_tier must be one of standard, batch, flex, priority',
      '1.service_tier: service_tier must be one of standard, batch, flex, priority',
      '2.speed: speed must be one of standard, fast',
      '3.inference_geo: inference_geo must be 1-32 lowercase letters, digits, _ or -, starting with a letter or digit (e.g. "global")',
      '4.inference_geo: inference_geo must be 1-32 lowercase letters, digits, _ or -, starting with a letter or digit (e.g. "global")',
      '5.inference_geo: inference_geo must be 1-32 lowercase letters, digits, _ or -, starting with a letter or digit (e.g. "global")',
      '6.service_tier: service_tier must be one of standard, batch, flex, priority',
    ]);
  });
});

describe('toIsoUtc', () => {
  it('equals Date#toISOString over four-digit years', () => {
    const samples = [0, -1, 86_399_999, 86_400_000, Date.parse('0001-01-01T00:00:00Z'), Date.parse('9999-12-31T23:59:59.999Z'), NOW.getTime()];
    for (let i = 0; i < 5000; i++) samples.push(Math.floor(-62e12 + Math.random() * 315e12));
    for (const ms of samples) expect(toIsoUtc(ms)).toBe(new Date(ms).toISOString());
  });
});
