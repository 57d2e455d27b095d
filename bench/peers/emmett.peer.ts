import { STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import type { Event } from '@event-driven-io/emmett';
import {
  getPostgreSQLEventStore,
  postgreSQLRawBatchSQLProjection,
  PostgreSQLRawBatchSQLProjection,
  rebuildPostgreSQLProjections,
} from '@event-driven-io/emmett-postgresql';
import { escapeLiteral } from 'pg';
import { WireEvent } from '../data/data-set';
import { BenchPostgres } from '../support/postgres';
import { Progress } from '../support/progress';
import { elapsedSince, now } from '../support/stats';
import { mergeDelta, PeerResult, SESSION_COSTS_DDL, SessionDelta, sessionDelta, TOTAL_TOKENS_SQL, UNIT_FIELDS } from './session-cost';

type UsageEvent = Event<'TokenUsed' | 'ToolCalled' | 'SessionFinalized', WireEvent & { workspace_id: string }>;
/** Emmett's SQL type is a branded string from dumbo (a transitive package); its shape is taken from the projection's signature. */
type EmmettSql = Awaited<ReturnType<PostgreSQLRawBatchSQLProjection<UsageEvent>['evolve']>>[number];

const APPEND_CHUNK = 100;
const TABLE = 'emmett_session_costs';
/** Events the projection has been handed in this run: Emmett reports no progress of its own. */
let applied = 0;

/**
 * The session-cost read model as an Emmett raw batch SQL projection: the batch
 * is folded per session in memory and applied as one multi-row upsert. This is
 * the best shape the API allows; Emmett 0.42's projector still hands it one
 * event at a time and stores its checkpoint after each (see `reactor` in
 * @event-driven-io/emmett), which is what this peer measures.
 */
const sessionCosts = postgreSQLRawBatchSQLProjection<UsageEvent>({
  name: 'bench_session_costs',
  canHandle: ['TokenUsed', 'ToolCalled', 'SessionFinalized'],
  evolve: (events) => {
    applied += events.length;
    const bySession = new Map<string, SessionDelta>();
    for (const e of events) {
      const d = sessionDelta(e.data.workspace_id, e.data);
      const k = `${d.workspace}/${d.session}`;
      const prev = bySession.get(k);
      bySession.set(k, prev ? mergeDelta(prev, d) : d);
    }
    const values = [...bySession.values()].map(
      (d) =>
        `(${escapeLiteral(d.workspace)}, ${escapeLiteral(d.session)}, ${d.tokenCost.toFixed()}, ${d.computeCost.toFixed()}, ` +
        `${UNIT_FIELDS.map((f) => d.units[f]).join(', ')}, ` +
        `${d.tokenEvents}, ${d.unpricedEvents}, ${d.toolCalls}, ${d.finalized}, ${escapeLiteral(d.first)}, ${escapeLiteral(d.last)})`,
    );
    const add = ['token_cost', 'compute_cost', ...UNIT_FIELDS, 'token_events', 'unpriced_events', 'tool_calls']
      .map((c) => `${c} = t.${c} + excluded.${c}`)
      .join(', ');
    return [
      `INSERT INTO ${TABLE} AS t (workspace_id, session_id, token_cost, compute_cost, ${UNIT_FIELDS.join(', ')},
         token_events, unpriced_events, tool_calls, is_finalized, started_at, last_event_at)
       VALUES ${values.join(', ')}
       ON CONFLICT (workspace_id, session_id) DO UPDATE SET ${add}, is_finalized = t.is_finalized OR excluded.is_finalized,
         started_at = LEAST(t.started_at, excluded.started_at), last_event_at = GREATEST(t.last_event_at, excluded.last_event_at)` as EmmettSql,
    ];
  },
});

/**
 * Emmett on the same PostgreSQL: appends the sample to one stream per session,
 * in chunks of 100 with expected stream versions, from as many concurrent
 * writers as our ingest has clients; then runs its consumer over the store
 * with the projection above until no messages are left (or the time budget).
 */
export async function runEmmett(
  pg: BenchPostgres,
  events: readonly { workspace: string; event: WireEvent }[],
  progress: Progress,
  budgetMs: number,
  writers = 8,
): Promise<{ append: PeerResult; projection: PeerResult }> {
  const url = await pg.createDatabase('bench_emmett');
  const store = getPostgreSQLEventStore(url, { schema: { autoMigration: 'CreateOrUpdate' } });
  await store.schema.migrate();
  await pg.query('bench_emmett', SESSION_COSTS_DDL(TABLE));

  const streams = new Map<string, UsageEvent[]>();
  for (const { workspace, event } of events) {
    const name = `session-${workspace}/${event.session_id}`;
    const list = streams.get(name) ?? [];
    list.push({ type: event.type, data: { ...event, workspace_id: workspace } });
    streams.set(name, list);
  }
  const work = [...streams.entries()];

  let appended = 0;
  let appendTimeBoxed = false;
  const append = await progress.step(`Emmett append: ${events.length.toLocaleString('en-US')} events to ${work.length.toLocaleString('en-US')} session streams`, async (tick) => {
    const start = now();
    let next = 0;
    const writer = async () => {
      while (next < work.length) {
        if (elapsedSince(start) > budgetMs) {
          appendTimeBoxed = true;
          return;
        }
        const [name, list] = work[next++];
        let expected: bigint | typeof STREAM_DOES_NOT_EXIST = STREAM_DOES_NOT_EXIST;
        for (let i = 0; i < list.length; i += APPEND_CHUNK) {
          const chunk = list.slice(i, i + APPEND_CHUNK);
          const { nextExpectedStreamVersion }: { nextExpectedStreamVersion: bigint } = await store.appendToStream(name, chunk, { expectedStreamVersion: expected });
          expected = nextExpectedStreamVersion;
          appended += chunk.length;
        }
        tick(`${appended.toLocaleString('en-US')} events`);
      }
    };
    await Promise.all(Array.from({ length: writers }, writer));
    const elapsedMs = elapsedSince(start);
    return { name: 'Emmett append', events: appended, elapsedMs, eventsPerS: appended / (elapsedMs / 1000), timeBoxed: appendTimeBoxed };
  });
  await store.close();

  applied = 0;
  const projection = await progress.step(`Emmett projection over ${appended.toLocaleString('en-US')} events`, async (tick) => {
    const consumer = rebuildPostgreSQLProjections<UsageEvent>({
      connectionString: url,
      projections: [sessionCosts],
      // Its best case: large pulls (the default is 100 per poll).
      pulling: { batchSize: 1000, pullingFrequencyInMs: 10 },
    });
    const start = now();
    let timeBoxed = false;
    const timer = setInterval(() => {
      tick(`${applied.toLocaleString('en-US')} events`);
      if (elapsedSince(start) > budgetMs && !timeBoxed) {
        timeBoxed = true;
        void consumer.stop();
      }
    }, 250);
    try {
      await consumer.start();
    } finally {
      clearInterval(timer);
    }
    const elapsedMs = elapsedSince(start);
    await consumer.close();
    const [{ tokens }] = await pg.query<{ tokens: string }>(
      'bench_emmett',
      `SELECT COALESCE(sum(${TOTAL_TOKENS_SQL}), 0)::text AS tokens FROM ${TABLE}`,
    );
    return { name: 'Emmett projection', events: applied, elapsedMs, eventsPerS: applied / (elapsedMs / 1000), timeBoxed, note: `${Number(tokens).toLocaleString('en-US')} tokens projected` };
  });
  return { append, projection };
}
