import { classifyResponse, laterPosition } from './batch-outcome';

const headers = (h: Record<string, string> = {}) => new Headers(h);
const NOW = Date.parse('2026-11-20T10:00:00Z');
const v1Error = (code: string, message: string, details?: unknown[]) => JSON.stringify({ success: false, error: { code, message, ...(details && { details }) } });

describe('classifyResponse', () => {
  it('reads the 202\'s counts and position', () => {
    expect(classifyResponse(202, headers(), '{"success":true,"data":{"accepted":2,"duplicates":1,"position":"81-3"}}', 3, NOW)).toEqual({
      kind: 'acknowledged',
      accepted: 2,
      duplicates: 1,
      position: '81-3',
    });
  });

  it('takes a 2xx without the ledger\'s body (a proxy\'s) as all accepted', () => {
    expect(classifyResponse(200, headers(), '', 4, NOW)).toEqual({ kind: 'acknowledged', accepted: 4, duplicates: 0 });
  });

  it('retries 408, 429 and 5xx, with their Retry-After, whatever their body', () => {
    expect(classifyResponse(503, headers({ 'retry-after': '2' }), v1Error('UNAVAILABLE', 'the database is unreachable; retry shortly'), 1, NOW)).toEqual({
      kind: 'retry',
      reason: 'HTTP 503: the database is unreachable; retry shortly',
      retryAfterMs: 2000,
    });
    expect(classifyResponse(502, headers(), '<html>Bad Gateway</html>', 1, NOW)).toEqual({ kind: 'retry', reason: 'HTTP 502: <html>Bad Gateway</html>' });
    expect(classifyResponse(429, headers({ 'retry-after': 'Fri, 20 Nov 2026 10:00:03 GMT' }), '', 1, NOW)).toEqual({ kind: 'retry', reason: 'HTTP 429', retryAfterMs: 3000 });
    expect(classifyResponse(408, headers(), '', 1, NOW).kind).toBe('retry');
    expect(classifyResponse(500, headers(), '', 1, NOW).kind).toBe('retry');
  });

  it('refuses the events a 400 or 409 names by index, each once and in order', () => {
    const details = [
      { index: 2, field: 'output_tokens', message: 'output_tokens must be >= 0' },
      { index: 0, field: 'model', message: 'model must be longer than or equal to 1 characters' },
      { index: 2, field: 'occurred_at', message: 'occurred_at is not a valid date-time' },
    ];
    const outcome = classifyResponse(400, headers(), v1Error('VALIDATION_ERROR', 'events[2].output_tokens: …', details), 3, NOW);
    expect(outcome).toEqual({ kind: 'refused-events', indexes: [0, 2], error: { status: 400, code: 'VALIDATION_ERROR', message: 'events[2].output_tokens: …', details } });
    const conflict = classifyResponse(409, headers(), v1Error('IDEMPOTENCY_CONFLICT', 'event_id already used', [{ index: 1, field: 'event_id', message: 'x' }]), 2, NOW);
    expect(conflict).toMatchObject({ kind: 'refused-events', indexes: [1] });
  });

  it('refuses the whole batch when a problem names no event, or an index outside the batch', () => {
    expect(classifyResponse(400, headers(), v1Error('VALIDATION_ERROR', 'events: events must be an array of 1 to 1000 events', [{ field: 'events', message: '…' }]), 3, NOW)).toMatchObject({
      kind: 'refused',
      error: { status: 400, code: 'VALIDATION_ERROR', message: 'events: events must be an array of 1 to 1000 events' },
    });
    expect(classifyResponse(400, headers(), v1Error('VALIDATION_ERROR', 'm', [{ index: 3, field: 'model', message: '…' }]), 3, NOW).kind).toBe('refused');
    expect(classifyResponse(401, headers(), v1Error('AUTH_ERROR', 'missing or invalid API key'), 3, NOW)).toEqual({
      kind: 'refused',
      error: { status: 401, code: 'AUTH_ERROR', message: 'missing or invalid API key' },
    });
    expect(classifyResponse(404, headers(), 'Not Found', 1, NOW)).toEqual({ kind: 'refused', error: { status: 404, message: 'Not Found' } });
  });

  it('tells a 413 apart, so that the batch is split', () => {
    expect(classifyResponse(413, headers(), v1Error('PAYLOAD_TOO_LARGE', 'request body exceeds the 1 MiB limit'), 9, NOW).kind).toBe('too-large');
  });
});

describe('laterPosition', () => {
  it('keeps the greater of two ledger positions, compared as integers', () => {
    expect(laterPosition(undefined, '5-1')).toBe('5-1');
    expect(laterPosition('10-2', '9-7')).toBe('10-2');
    expect(laterPosition('10-2', '10-3')).toBe('10-3');
    expect(laterPosition('123456789012345678901-0', '99-0')).toBe('123456789012345678901-0');
  });

  it('takes the newer of two tokens of another form', () => {
    expect(laterPosition('abc', 'def')).toBe('def');
  });
});
