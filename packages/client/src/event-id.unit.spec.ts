import { assignEventId, EVENT_ID_PATTERN, eventIdFromKey } from './event-id';

describe('event ids', () => {
  it('derives the same id from the same key in every process and release (a golden value)', () => {
    expect(eventIdFromKey('TokenUsed', 'req_123')).toBe(GOLDEN_TOKEN_USED_REQ_123);
    expect(eventIdFromKey('TokenUsed', 'req_123')).toBe(eventIdFromKey('TokenUsed', 'req_123'));
  });

  it('is a version-8 UUID the ledger accepts as an event id', () => {
    const id = eventIdFromKey('ToolCalled', 'msg_01XYZ:toolu_1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id).toMatch(EVENT_ID_PATTERN);
  });

  it('differs by event type, so one key can name a call and its tool use', () => {
    expect(eventIdFromKey('TokenUsed', 'k')).not.toBe(eventIdFromKey('ToolCalled', 'k'));
    expect(eventIdFromKey('TokenUsed', 'k1')).not.toBe(eventIdFromKey('TokenUsed', 'k2'));
  });

  it('uses an explicit eventId as given, else the key, else a random UUID', () => {
    expect(assignEventId('TokenUsed', { eventId: 'evt_1', key: 'k' })).toBe('evt_1');
    expect(assignEventId('TokenUsed', { key: 'k' })).toBe(eventIdFromKey('TokenUsed', 'k'));
    const a = assignEventId('TokenUsed', {});
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(assignEventId('TokenUsed', {})).not.toBe(a);
  });
});

/** Computed once, independently of eventIdFromKey; a change here re-counts every key already sent. */
const GOLDEN_TOKEN_USED_REQ_123 = 'fa2850c7-925b-8b81-aa0f-abd9c5807833';
