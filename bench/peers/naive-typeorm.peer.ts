import Big from 'big.js';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { WireEvent } from '../data/data-set';
import { BenchPostgres } from '../support/postgres';
import { Progress } from '../support/progress';
import { elapsedSince, now } from '../support/stats';
import { UsageField } from '../../libs/pricing/src/price-dimensions';
import { PeerResult, sessionDelta, UNIT_FIELDS } from './session-cost';

@Entity('naive_usage_events')
class UsageEventRow {
  @PrimaryColumn({ type: 'text' }) workspaceId: string;
  @PrimaryColumn({ type: 'text' }) eventId: string;
  @Column({ type: 'text' }) type: string;
  @Column({ type: 'text' }) sessionId: string;
  @Column({ type: 'timestamptz' }) occurredAt: Date;
  @Column({ type: 'jsonb' }) data: object;
  @Column({ type: 'numeric', nullable: true }) cost: string | null;
}

/** One bigint column per usage class, named by its event field: a class added to the price model must be added here to compile. */
@Entity('naive_session_costs')
class SessionCostRow implements Record<UsageField, string> {
  @PrimaryColumn({ type: 'text' }) workspaceId: string;
  @PrimaryColumn({ type: 'text' }) sessionId: string;
  @Column({ type: 'numeric', default: 0 }) tokenCost: string;
  @Column({ type: 'numeric', default: 0 }) computeCost: string;
  @Column({ type: 'bigint', default: 0 }) input_tokens: string;
  @Column({ type: 'bigint', default: 0 }) output_tokens: string;
  @Column({ type: 'bigint', default: 0 }) reasoning_tokens: string;
  @Column({ type: 'bigint', default: 0 }) cache_creation_tokens: string;
  @Column({ type: 'bigint', default: 0 }) cache_creation_1h_tokens: string;
  @Column({ type: 'bigint', default: 0 }) cache_read_tokens: string;
  @Column({ type: 'bigint', default: 0 }) web_search_requests: string;
  @Column({ type: 'int', default: 0 }) tokenEvents: number;
  @Column({ type: 'int', default: 0 }) toolCalls: number;
  @Column({ type: 'boolean', default: false }) isFinalized: boolean;
  @Column({ type: 'timestamptz' }) startedAt: Date;
  @Column({ type: 'timestamptz' }) lastEventAt: Date;
}

const plus = (a: string, b: number) => String(BigInt(a) + BigInt(b));

/**
 * The straightforward NestJS + TypeORM implementation: per event, in one
 * transaction, `save()` the event (TypeORM selects by primary key, then
 * inserts) and read-modify-write its session row. Writers are as many as our
 * ingest clients, each owning a share of the sessions so that the
 * read-modify-write never loses an update.
 */
export async function runNaiveTypeOrm(
  pg: BenchPostgres,
  events: readonly { workspace: string; event: WireEvent }[],
  progress: Progress,
  budgetMs: number,
  writers = 8,
): Promise<PeerResult> {
  const url = await pg.createDatabase('bench_naive');
  const ds = new DataSource({ type: 'postgres', url, entities: [UsageEventRow, SessionCostRow], synchronize: true, extra: { max: writers } });
  await ds.initialize();
  try {
    const shards: { workspace: string; event: WireEvent }[][] = Array.from({ length: writers }, () => []);
    for (const e of events) shards[hash(e.event.session_id) % writers].push(e);
    return await progress.step(`naive TypeORM: ${events.length.toLocaleString('en-US')} events, ${writers} writers`, async (tick) => {
      const start = now();
      let done = 0;
      let timeBoxed = false;
      const writer = async (shard: { workspace: string; event: WireEvent }[]) => {
        for (const { workspace, event } of shard) {
          if (elapsedSince(start) > budgetMs) {
            timeBoxed = true;
            return;
          }
          const d = sessionDelta(workspace, event);
          await ds.transaction(async (m) => {
            await m.save(UsageEventRow, {
              workspaceId: workspace, eventId: event.event_id, type: event.type, sessionId: event.session_id,
              occurredAt: new Date(event.occurred_at), data: event, cost: event.type === 'TokenUsed' && d.unpricedEvents === 0 ? d.tokenCost.toFixed() : null,
            });
            const row = (await m.findOneBy(SessionCostRow, { workspaceId: workspace, sessionId: event.session_id })) ??
              m.create(SessionCostRow, {
                workspaceId: workspace, sessionId: event.session_id, tokenCost: '0', computeCost: '0',
                ...Object.fromEntries(UNIT_FIELDS.map((f) => [f, '0'])), tokenEvents: 0, toolCalls: 0, isFinalized: false,
                startedAt: new Date(d.first), lastEventAt: new Date(d.last),
              });
            row.tokenCost = new Big(row.tokenCost).plus(d.tokenCost).toFixed();
            row.computeCost = new Big(row.computeCost).plus(d.computeCost).toFixed();
            for (const f of UNIT_FIELDS) row[f] = plus(row[f], d.units[f]);
            row.tokenEvents += d.tokenEvents;
            row.toolCalls += d.toolCalls;
            row.isFinalized ||= d.finalized;
            if (new Date(d.first) < row.startedAt) row.startedAt = new Date(d.first);
            if (new Date(d.last) > row.lastEventAt) row.lastEventAt = new Date(d.last);
            await m.save(row);
          });
          done++;
          tick(`${done.toLocaleString('en-US')} events`);
        }
      };
      await Promise.all(shards.map(writer));
      const elapsedMs = elapsedSince(start);
      return { name: 'naive NestJS + TypeORM', events: done, elapsedMs, eventsPerS: done / (elapsedMs / 1000), timeBoxed };
    });
  } finally {
    await ds.destroy();
  }
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
