import { ConflictError, IdempotencyConflictError } from '@ledger/http';
import type { RecordUsageResult, UsageEvent } from '@ledger/ingest';
import type { NormalizedEvent, NormalizedRecords } from '../normalize-records';
import type { OtlpRecord } from '../otlp-model';
import { ingestRecords } from './ingest-records';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const record = (n: number): OtlpRecord => ({
  signal: 'logs',
  resource: {},
  scope: { name: '', version: '', attributes: {} },
  log: { timeUnixNano: String(n), observedTimeUnixNano: '0', severityText: '', eventName: '', body: null, attributes: {}, traceId: '', spanId: '' },
});
const records = (count: number) => Array.from({ length: count }, (_, i) => record(i));

const tokenUsed = (recordIndex: number, id: string, extra: Record<string, unknown> = {}): NormalizedEvent => ({
  record: recordIndex,
  source: 'test',
  event: { type: 'TokenUsed', event_id: id, session_id: 'sess', occurred_at: '2026-11-20T11:00:00.000Z', model: 'gpt-4o', input_tokens: 10, ...extra },
});

/** normalizeRecords' stand-in: what the normalizers would have made of the records. */
const normalized = (events: NormalizedEvent[], rest: Partial<NormalizedRecords> = {}) => () => ({ events, rejected: [], ignored: 0, ...rest });

/** RecordUsageEvents' stand-in: refuses events whose id is in `conflicting` as the handler does, naming batch indexes. */
function ledger(conflicting: Record<string, 'idempotency' | 'execution'> = {}) {
  const calls: string[][] = [];
  const record = async (events: readonly UsageEvent[]): Promise<RecordUsageResult> => {
    calls.push(events.map((e) => e.data.event_id));
    const refused = events.map((e, index) => ({ index, kind: conflicting[e.data.event_id] })).filter((e) => e.kind);
    const kind = refused[0]?.kind;
    const details = refused.filter((e) => e.kind === kind).map(({ index }) => ({ index, field: 'event_id', message: `event ${events[index].data.event_id} refused` }));
    if (kind === 'idempotency') throw new IdempotencyConflictError('nothing of the batch was stored', details);
    if (kind === 'execution') throw new ConflictError('nothing of the batch was stored', details);
    return { accepted: events.length, duplicates: 0, position: '1' };
  };
  return { calls, record };
}

describe('ingestRecords: records to the ledger, rejected record by record', () => {
  it('sends every event of the accepted records in one RecordUsageEvents, and rejects nothing', async () => {
    const { calls, record } = ledger();
    const outcome = await ingestRecords(records(3), {
      workspaceId: 'ws',
      now: NOW,
      normalize: normalized([tokenUsed(0, 'a'), tokenUsed(0, 'b'), tokenUsed(2, 'c')], { ignored: 1 }),
      record,
    });
    expect(calls).toEqual([['a', 'b', 'c']]);
    expect(outcome).toEqual({ rejected: 0, errorMessage: '', accepted: 3, duplicates: 0, ignored: 1 });
  });

  it('validates each event with ingest\'s parser and rejects its record whole, naming the field', async () => {
    const { calls, record } = ledger();
    const outcome = await ingestRecords(records(3), {
      workspaceId: 'ws',
      now: NOW,
      normalize: normalized([tokenUsed(0, 'a'), tokenUsed(1, 'b'), tokenUsed(1, 'c', { input_tokens: -1 }), tokenUsed(2, 'd', { occurred_at: '2026-11-21T00:00:00.000Z' })]),
      record,
    });
    expect(calls).toEqual([['a']]);
    expect(outcome.rejected).toBe(2);
    expect(outcome.errorMessage).toBe(
      '2 of 3 records rejected: record 1 (test): input_tokens must be >= 0; record 2 (test): occurred_at is more than 5 minutes in the future',
    );
  });

  it('rejects a record whose event holds a string PostgreSQL cannot store', async () => {
    const { calls, record } = ledger();
    const outcome = await ingestRecords(records(2), { workspaceId: 'ws', now: NOW, normalize: normalized([tokenUsed(0, 'a', { session_id: 's\u0000' }), tokenUsed(1, 'b')]), record });
    expect(calls).toEqual([['b']]);
    expect(outcome.errorMessage).toBe('1 of 2 records rejected: record 0 (test): session_id must not contain a NUL character (U+0000)');
  });

  it('counts records its normalizer rejected, without sending their events', async () => {
    const { calls, record } = ledger();
    const outcome = await ingestRecords(records(2), {
      workspaceId: 'ws',
      now: NOW,
      normalize: normalized([tokenUsed(1, 'b')], { rejected: [{ record: 0, source: 'claude-code', message: 'input_tokens: must be a non-negative integer, got "x"' }] }),
      record,
    });
    expect(calls).toEqual([['b']]);
    expect(outcome).toMatchObject({ rejected: 1, accepted: 1, errorMessage: '1 of 2 records rejected: record 0 (claude-code): input_tokens: must be a non-negative integer, got "x"' });
  });

  it.each(['idempotency', 'execution'] as const)('rejects only the records a %s conflict names, and records the rest', async (kind) => {
    const { calls, record } = ledger({ b: kind, d: kind });
    const outcome = await ingestRecords(records(3), {
      workspaceId: 'ws',
      now: NOW,
      normalize: normalized([tokenUsed(0, 'a'), tokenUsed(1, 'b'), tokenUsed(1, 'c'), tokenUsed(2, 'd')]),
      record,
    });
    expect(calls).toEqual([['a', 'b', 'c', 'd'], ['a']]);
    expect(outcome).toMatchObject({ rejected: 2, accepted: 1, errorMessage: '2 of 3 records rejected: record 1 (test): event b refused; record 2 (test): event d refused' });
  });

  it('retries until nothing is refused, one conflict kind at a time', async () => {
    const { calls, record } = ledger({ a: 'execution', c: 'idempotency' });
    const outcome = await ingestRecords(records(3), { workspaceId: 'ws', now: NOW, normalize: normalized([tokenUsed(0, 'a'), tokenUsed(1, 'b'), tokenUsed(2, 'c')]), record });
    expect(calls).toEqual([['a', 'b', 'c'], ['b', 'c'], ['b']]);
    expect(outcome).toMatchObject({ rejected: 2, accepted: 1 });
  });

  it('lets any other failure through (a lost database is a 503 for the whole request)', async () => {
    const failing = async () => {
      throw new Error('connection terminated');
    };
    await expect(ingestRecords(records(1), { workspaceId: 'ws', now: NOW, normalize: normalized([tokenUsed(0, 'a')]), record: failing })).rejects.toThrow('connection terminated');
  });

  it('sends at most 1000 events at a time, never splitting a record', async () => {
    const events = Array.from({ length: 1500 }, (_, i) => tokenUsed(Math.floor(i / 3), `e${i}`));
    const { calls, record } = ledger();
    const outcome = await ingestRecords(records(500), { workspaceId: 'ws', now: NOW, normalize: normalized(events), record });
    expect(calls.map((c) => c.length)).toEqual([999, 501]);
    expect(outcome.accepted).toBe(1500);
  });

  it('shows the first three reasons and counts the rest', async () => {
    const { record } = ledger();
    const events = [0, 1, 2, 3, 4].map((i) => tokenUsed(i, `x${i}`, { model: '' }));
    const outcome = await ingestRecords(records(5), { workspaceId: 'ws', now: NOW, normalize: normalized(events), record });
    expect(outcome.rejected).toBe(5);
    expect(outcome.errorMessage).toMatch(/^5 of 5 records rejected: record 0 \(test\): .*; record 1 .*; record 2 .*; and 2 more$/);
  });
});
