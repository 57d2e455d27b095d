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

  describe('a session belongs to the first execution its events name', () => {
    const naming = (id: string, execution?: string, session = 's1'): UsageEvent => {
      const e = tokenUsed(id, 1);
      return { ...e, data: { ...e.data, session_id: session, ...(execution !== undefined && { execution_id: execution }) } } as UsageEvent;
    };

    it('given a batch naming two executions for one session, then the later one conflicts, naming both', () => {
      const d = decideRecording([naming('a'), naming('b', 'run-1'), naming('c'), naming('d', 'run-2'), naming('e', 'run-2', 's2')], new Map());
      expect(d.executionConflicts).toEqual([{ index: 3, sessionId: 's1', sessionExecution: 'run-1', named: 'run-2' }]);
    });

    it('given a session projected with an execution, then a new event naming another conflicts and one naming none does not', () => {
      const d = decideRecording([naming('a'), naming('b', 'run-1'), naming('c', 'run-2')], new Map(), new Map([['s1', 'run-2']]));
      expect(d.executionConflicts).toEqual([{ index: 1, sessionId: 's1', sessionExecution: 'run-2', named: 'run-1' }]);
    });

    it('given a re-sent event that names another execution, then it is a duplicate, not a conflict', () => {
      const d = decideRecording([naming('a', 'run-1')], recorded(naming('a', 'run-1')), new Map([['s1', 'run-2']]));
      expect(d).toMatchObject({ duplicates: 1, executionConflicts: [] });
    });

    it('given a re-sent event naming the session\'s execution first in the batch, then a new one naming another conflicts with it', () => {
      const d = decideRecording([naming('a', 'run-1'), naming('b', 'run-2')], recorded(naming('a', 'run-1')));
      expect(d.executionConflicts).toEqual([{ index: 1, sessionId: 's1', sessionExecution: 'run-1', named: 'run-2' }]);
    });
  });
});
