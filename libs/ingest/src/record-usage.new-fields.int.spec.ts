import { withEventLog } from '@ledger/testing';
import type { JsonObject } from '@ledger/event-store';
import { IdempotencyConflictError } from '@ledger/http';
import { parseUsageBatch } from './parse-usage-batch';
import { RecordUsageEvents, RecordUsageEventsHandler } from './record-usage.command';
import { storeEventId } from './store-event-id';
import { sessionStream } from './usage-events';

const NOW = new Date('2026-12-05T00:00:00.000Z');

/**
 * Issue 14's idempotency trap: the new TokenUsed fields are stored only when sent and not their default,
 * so an event recorded before they existed, re-sent unchanged or with explicit defaults, is a duplicate.
 */
describe('RecordUsageEventsHandler: events recorded before the new TokenUsed fields', () => {
  const log = withEventLog();
  const unprojected = { executionsOf: async () => new Map<string, string>() };
  let counter = 0;
  const workspace = () => `ws_new_fields_${process.pid}_${++counter}`;

  /** What a client sent before the change, and sends again. */
  const sent = { event_id: 'old1', type: 'TokenUsed', session_id: 's1', occurred_at: '2026-11-30T09:15:00+01:00', model: 'claude-sonnet-4', input_tokens: 1200, output_tokens: 340, cache_read_tokens: 9000, step_name: 'plan' };
  /** The payload ingest stored for it before the change, byte for byte (the four counts always, no new field). */
  const oldStored = (workspace_id: string) =>
    JSON.parse(
      `{"workspace_id":"${workspace_id}","event_id":"old1","session_id":"s1","occurred_at":"2026-11-30T08:15:00.000Z","model":"claude-sonnet-4",` +
        '"input_tokens":1200,"output_tokens":340,"cache_creation_tokens":0,"cache_read_tokens":9000,"step_name":"plan"}',
    ) as JsonObject;

  const appendOld = async (ws: string) => {
    await log.store.append([{ streamId: sessionStream(ws, 's1'), events: [{ id: storeEventId(ws, 'old1'), type: 'TokenUsed', data: oldStored(ws) }], expectedRevision: 'any' }]);
  };
  const resend = (ws: string, body: Record<string, unknown>) =>
    new RecordUsageEventsHandler(log.store, unprojected).execute(new RecordUsageEvents(ws, parseUsageBatch({ events: [body] }, ws, NOW)));
  const storedEvents = async (ws: string) => (await log.store.readStream(sessionStream(ws, 's1'))).map((e) => e.data);

  it('given an event in the old stored shape, when it is re-sent unchanged, then it is a duplicate', async () => {
    const ws = workspace();
    await appendOld(ws);
    await expect(resend(ws, sent)).resolves.toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await storedEvents(ws)).toEqual([oldStored(ws)]);
  });

  it('given an event in the old stored shape, when it is re-sent with every new field at its default, then it is a duplicate', async () => {
    const ws = workspace();
    await appendOld(ws);
    const defaults = { reasoning_tokens: 0, cache_creation_1h_tokens: 0, web_search_requests: 0, service_tier: 'standard', speed: 'standard', inference_geo: 'global' };
    await expect(resend(ws, { ...sent, ...defaults })).resolves.toMatchObject({ accepted: 0, duplicates: 1 });
    await expect(resend(ws, { ...sent, reasoning_tokens: 0, service_tier: 'standard' })).resolves.toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await storedEvents(ws)).toEqual([oldStored(ws)]);
  });

  it.each([
    ['reasoning_tokens: 5', { reasoning_tokens: 5 }],
    ['service_tier: batch', { service_tier: 'batch' }],
    ['inference_geo: us', { inference_geo: 'us' }],
  ])('given an event in the old stored shape, when it is re-sent with %s, then it is a 409 conflict naming it, and nothing is stored', async (_name, extra) => {
    const ws = workspace();
    await appendOld(ws);
    const answer = resend(ws, { ...sent, ...extra });
    await expect(answer).rejects.toBeInstanceOf(IdempotencyConflictError);
    await expect(answer).rejects.toMatchObject({ status: 409, details: [{ index: 0, field: 'event_id', message: 'event_id old1 was recorded with a different payload' }] });
    expect(await storedEvents(ws)).toEqual([oldStored(ws)]);
  });

  it('given an event recorded with new fields, then only a re-send carrying the same non-default values is a duplicate', async () => {
    const ws = workspace();
    const call = { ...sent, event_id: 'new1', output_tokens: 340, reasoning_tokens: 100, web_search_requests: 2, speed: 'fast' };
    await expect(resend(ws, { ...call, service_tier: 'standard', cache_creation_1h_tokens: 0 })).resolves.toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await storedEvents(ws))[0]).toEqual({
      workspace_id: ws, event_id: 'new1', session_id: 's1', occurred_at: '2026-11-30T08:15:00.000Z', model: 'claude-sonnet-4',
      input_tokens: 1200, output_tokens: 340, cache_creation_tokens: 0, cache_read_tokens: 9000, step_name: 'plan',
      reasoning_tokens: 100, web_search_requests: 2, speed: 'fast',
    });
    await expect(resend(ws, call)).resolves.toMatchObject({ accepted: 0, duplicates: 1 });
    await expect(resend(ws, { ...call, speed: 'standard' })).rejects.toBeInstanceOf(IdempotencyConflictError);
    await expect(resend(ws, { ...call, reasoning_tokens: 0 })).rejects.toBeInstanceOf(IdempotencyConflictError);
  });
});
