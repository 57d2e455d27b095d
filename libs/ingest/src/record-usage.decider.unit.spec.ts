import { decideRecording } from './record-usage.decider';
import { UsageEvent } from './usage-events';

const tokenUsed = (event_id: string, input_tokens: number): UsageEvent => ({
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
const recorded = (...events: UsageEvent[]) => new Map(events.map((e) => [e.data.event_id, JSON.parse(JSON.stringify({ type: e.type, data: e.data }))]));

describe('decideRecording', () => {
  it('given nothing recorded, when a batch arrives, then every event is fresh', () => {
    const d = decideRecording([tokenUsed('a', 1), tokenUsed('b', 2)], new Map());
    expect(d.fresh).toEqual([0, 1]);
    expect(d).toMatchObject({ duplicates: 0, conflicts: [] });
  });

  it('given an event recorded, when it is re-sent unchanged, then it is a duplicate', () => {
    const d = decideRecording([tokenUsed('a', 1), tokenUsed('b', 2)], recorded(tokenUsed('a', 1)));
    expect(d.fresh).toEqual([1]);
    expect(d).toMatchObject({ duplicates: 1, conflicts: [] });
  });

  it('given an event recorded, when its id comes back with another payload, then that index conflicts', () => {
    const d = decideRecording([tokenUsed('b', 2), tokenUsed('a', 9)], recorded(tokenUsed('a', 1)));
    expect(d.conflicts).toEqual([1]);
  });

  it('given a batch repeating an id, then the repeat is a duplicate or a conflict by payload', () => {
    expect(decideRecording([tokenUsed('a', 1), tokenUsed('a', 1)], new Map())).toMatchObject({ duplicates: 1, conflicts: [] });
    expect(decideRecording([tokenUsed('a', 1), tokenUsed('a', 2)], new Map()).conflicts).toEqual([1]);
  });
});
