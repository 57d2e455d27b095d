import { DataSet, distinctEvents, eventFields, withoutFields } from './data-set';
import { generateUsage } from './usage.generator';

describe('data set for an older event contract', () => {
  const data: DataSet = generateUsage({ events: 3_000, seed: 'data-set-spec' });

  it('lists the fields the events carry, the 2026 dimensions among them', () => {
    expect(eventFields(data)).toEqual(expect.arrayContaining(['event_id', 'type', 'session_id', 'occurred_at', 'model', 'reasoning_tokens', 'provider']));
  });

  it('takes the named fields out of every event and leaves ids, order, workspaces, re-sends and retries as they were', () => {
    const older = withoutFields(data, ['reasoning_tokens', 'provider']);
    expect(eventFields(older)).not.toContain('reasoning_tokens');
    expect(eventFields(older)).not.toContain('provider');
    expect(older.batches.map((b) => [b.workspace, b.events, b.resent, b.retry])).toEqual(data.batches.map((b) => [b.workspace, b.events, b.resent, b.retry]));
    const strip = ({ reasoning_tokens: _r, provider: _p, ...rest }: Record<string, unknown>) => rest;
    expect([...distinctEvents(older)]).toEqual([...distinctEvents(data)].map((e) => ({ workspace: e.workspace, event: strip(e.event) })));
    expect(older.truth).toBe(data.truth);
  });

  it('returns the data set itself when nothing is taken out', () => {
    expect(withoutFields(data, [])).toBe(data);
  });
});
