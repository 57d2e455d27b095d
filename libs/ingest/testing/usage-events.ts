import type { UsageEvent } from '../src/usage-events';

/** A TokenUsed event of session `s1` in workspace `ws`, as ingest parses it: `input_tokens` tells events apart. */
export const tokenUsed = (event_id: string, input_tokens: number): UsageEvent => ({
  type: 'TokenUsed',
  data: {
    workspace_id: 'ws',
    event_id,
    session_id: 's1',
    occurred_at: '2026-04-02T12:00:00.000Z',
    model: 'gpt-4o',
    input_tokens,
    output_tokens: 0,
    cache_creation_tokens: 0,
    cache_read_tokens: 0,
    step_name: undefined,
  },
});
