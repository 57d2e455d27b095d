import { tokenUsed } from '../testing/usage-events';
import { decideRecording } from './record-usage.decider';
import { UsageEvent } from './usage-events';

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
