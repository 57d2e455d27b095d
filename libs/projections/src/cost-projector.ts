import { EventEmitter } from 'node:events';
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '@ledger/database';
import { comparePositions, EventStore, formatPosition, LOG_START, LogCondition, LogPosition, maxPosition, RecordedEvent } from '@ledger/event-store';
import { compilePriceTable, ModelName, modelNamesOf, PriceCatalog, writePriceTable } from '@ledger/pricing';
import { AdaptiveBatchSize, batched } from './batched';
import {
  applyCostBatch,
  applyLogBatch,
  choosePage,
  COST_PROJECTION,
  modelNamesIn,
  repricesRecordedUsage,
  resolveModelNames,
} from './cost.projection';
import { isDataError, isolatePoison, PoisonedEvent, recordDeadLetters } from './dead-letters/dead-letters';
import {
  beginPartitionBatch,
  initProjectionState,
  leastPosition,
  PartitionAdvance,
  PartitionCountMismatch,
  PartitionsMoved,
  readPartitionPositions,
  readProjectionState,
  setPricingVersion,
  takeGateExclusive,
} from './partitions/partition-checkpoints';
import { allPartitions, DEFAULT_PARTITIONS, partitionOf, partitionOfSql } from './partitions/partition-of';

const nameKey = (n: ModelName) => `${n.provider}\u0000${n.name}`;

export const USAGE_EVENT_FILTER = { eventTypes: ['TokenUsed', 'ToolCalled', 'SessionFinalized'] };

export interface ProjectorOptions {
  /** The read-model schema this projector writes (live, or a rebuild's shadow). */
  readonly schema: string;
  /** Events a batch holds when the projector is live; more while it is behind (`AdaptiveBatchSize`). */
  readonly batchSize: number;
  /** The catalog to price with; asked once per batch so a new version applies from the next batch. */
  readonly catalog: () => PriceCatalog | Promise<PriceCatalog>;
  /**
   * The catalog at an earlier version: a schema that keeps a version (one that reprices recorded usage waits
   * for its rebuild) resolves the model names it meets with that version. Absent: the schema always takes the
   * latest version (a rebuild's shadow, priced with one catalog throughout).
   */
  readonly catalogAt?: (version: number) => Promise<PriceCatalog>;
  /**
   * How many partitions the schema's checkpoints are split into (LEDGER_PROJECTION_PARTITIONS): a schema with
   * none yet gets this many, and one with another count is not projected into (ADR 0026).
   */
  readonly partitions?: number;
  /** How long a live batch read through a subscription waits for more events. */
  readonly lingerMs?: number;
  /** Test seam: runs after a batch's rows are written and before its commit. */
  readonly beforeCommit?: (batch: BatchRange) => Promise<void>;
  readonly log?: (message: string) => void;
  /** Hears each failure of a stalled projector, and undefined once when it reads the log again. */
  readonly onStall?: (stall: ProjectorFailure | undefined) => void;
}

/** Consecutive failures at one checkpoint after which the projector counts as stalled. */
const STALL_AFTER = 3;

/** The projector failing at one checkpoint, again and again: the database gone, or a failure no event explains. */
export interface ProjectorFailure {
  /** The checkpoint it resumes from each time. */
  readonly position: LogPosition;
  readonly error: string;
  readonly sqlstate: string | null;
  readonly since: Date;
  readonly attempts: number;
}

/** One committed batch: how many events, and how long pricing, applying and committing them took. */
export interface ProjectorBatch {
  readonly events: number;
  readonly seconds: number;
}

/** A batch's place in the log: the events after `after` up to and including `position`, `events` of them. */
export interface BatchRange {
  readonly after: LogPosition;
  readonly position: LogPosition;
  readonly events: number;
}

/**
 * What a batch applies: events read into Node (a log elsewhere, EventStoreDB), or a page of the log in the read
 * model's own database, applied where it lies, with the model names its calls use that the schema had not resolved.
 */
type Batch =
  | (BatchRange & { readonly kind: 'events'; readonly read: readonly RecordedEvent[] })
  | (BatchRange & { readonly kind: 'log'; readonly unseen: readonly ModelName[]; readonly only?: LogCondition });

/** Where a log that is a table of the read model's database is paged and waited on. */
type LogInDatabase = Required<Pick<EventStore, 'scanSql' | 'pageSql' | 'watchAppends'>>;

function logInDatabase(store: EventStore): LogInDatabase | undefined {
  const { scanSql, pageSql, watchAppends } = store;
  if (!scanSql || !pageSql || !watchAppends) return undefined;
  return { scanSql: scanSql.bind(store), pageSql: pageSql.bind(store), watchAppends: watchAppends.bind(store) };
}

/**
 * Memory for each sort, hash and CTE of a batch statement, for its transaction only. With the default 4MB, a
 * batch of 17,690 events wrote its `raw` and `facts` CTEs and its sorts to temporary files; a batch of
 * 8 × 5,000 events keeps them in memory with this.
 */
const BATCH_WORK_MEM = '64MB';

/** How long a caught-up projector waits for an append it did not hear of: one can commit while an older writer still holds the horizon back. */
const IDLE_POLL_MS = 200;

export interface ProjectorProgress {
  readonly position: LogPosition;
  readonly eventsApplied: number;
  readonly caughtUp: boolean;
}

/**
 * Reads the log in order and applies it to the cost read model in batches,
 * each in one transaction with its checkpoint. A crash at any point leaves the
 * last committed checkpoint, and the read side's dedupe by (workspace, event_id)
 * makes re-applying a batch harmless. A log in the read model's own database is
 * projected where it lies (ADR 0025): a batch is a range of it, chosen and applied
 * in SQL, and its events never travel through Node.
 */
export class CostProjector {
  private readonly events = new EventEmitter();
  private running?: Promise<void>;
  private stopRequested = false;
  private closeSubscription?: () => Promise<void>;
  private progress: ProjectorProgress = { position: LOG_START, eventsApplied: 0, caughtUp: false };
  private failing?: ProjectorFailure;
  private stallReported = false;
  /** The catalog version of the schema's price table, as of the last commit. */
  private pricedWith?: number;
  /** A catalog version that reprices usage this schema holds: only a rebuild's swap brings it in. */
  private deferred?: number;
  /** The (provider, name) pairs the schema had resolved at the last commit: a batch of only these looks nothing up. */
  private resolvedNames = new Set<string>();
  private readonly log?: LogInDatabase;
  /** The partitions this projector applies (`hold`); all of them when unset. */
  private held?: readonly number[];
  /** Each held partition's committed checkpoint: what a batch expects to find, and moves. */
  private positions = new Map<number, LogPosition>();
  /** The schema's generation when this run began: a swap moves it, and the run starts over. */
  private generation?: string;
  /** Partitions by workspace, remembered: a fleet has far fewer workspaces than events. */
  private readonly partitionCache = new Map<string, number>();

  constructor(
    private readonly store: EventStore,
    private readonly pool: Pool,
    private readonly options: ProjectorOptions,
  ) {
    this.events.setMaxListeners(0);
    this.log = logInDatabase(store);
  }

  get current(): ProjectorProgress {
    return this.progress;
  }

  /** The current run of failures at one checkpoint, if the last attempt failed. */
  get failure(): ProjectorFailure | undefined {
    return this.failing;
  }

  /** Failing the same batch again and again (STALL_AFTER times or more). */
  get stalled(): ProjectorFailure | undefined {
    return this.failing && this.failing.attempts >= STALL_AFTER ? this.failing : undefined;
  }

  onProgress(listener: (p: ProjectorProgress) => void): () => void {
    this.events.on('progress', listener);
    return () => this.events.off('progress', listener);
  }

  onBatch(listener: (b: ProjectorBatch) => void): () => void {
    this.events.on('batch', listener);
    return () => this.events.off('batch', listener);
  }

  get partitions(): number {
    return this.options.partitions ?? DEFAULT_PARTITIONS;
  }

  /** The partitions the next run applies; undefined for all of them. A running projector takes them when it is started again. */
  hold(partitions: readonly number[] | undefined): void {
    this.held = partitions && [...partitions].sort((a, b) => a - b);
  }

  get holding(): readonly number[] {
    return this.held ?? allPartitions(this.partitions);
  }

  /** Runs until stopped, resuming from the checkpoint and retrying after failures. */
  start(): void {
    this.stopRequested = false;
    this.running ??= (async () => {
      while (!this.stopRequested) {
        try {
          await this.consume(false);
        } catch (err) {
          this.noteFailure(err as Error);
          this.options.log?.(`projector ${this.options.schema} failed, resuming from its checkpoint: ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    })().finally(() => (this.running = undefined));
  }

  /** Consumes until the projector has reached the head of the log, then returns. */
  async catchUp(): Promise<ProjectorProgress> {
    await this.consume(true);
    return this.progress;
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    await this.closeSubscription?.();
    await this.running;
  }

  /** Consumes from the held partitions' checkpoints; starts over from them when a batch finds them moved (PartitionsMoved). */
  private async consume(untilCaughtUp: boolean): Promise<void> {
    for (;;) {
      try {
        return await this.consumeOnce(untilCaughtUp);
      } catch (err) {
        if (!(err instanceof PartitionsMoved) || this.stopRequested) throw err;
        this.options.log?.(`projector ${this.options.schema}: ${err.message}; starting over from the stored checkpoints`);
      }
    }
  }

  /** Reads from the least checkpoint of the held partitions; a partition ahead of it skips what it has applied. */
  private async consumeOnce(untilCaughtUp: boolean): Promise<void> {
    const { schema } = this.options;
    const state = await readProjectionState(this.pool, schema);
    if (state && state.partitions !== this.partitions) throw new PartitionCountMismatch(this.partitions, state.partitions);
    const stored = await readPartitionPositions(this.pool, schema, this.partitions);
    this.positions = new Map(this.holding.map((p) => [p, stored[p]]));
    this.generation = state?.generation;
    this.pricedWith = state?.pricingVersion;
    this.deferred = undefined;
    // Forgotten on every (re)start: a rebuild's swap replaces the schema under a stopped projector.
    this.resolvedNames = new Set();
    this.progress = { ...this.progress, position: leastPosition([...this.positions.values()]) };
    if (this.log) await this.consumeLog(this.log, untilCaughtUp);
    else await this.consumeSubscription(untilCaughtUp);
  }

  /** Whether events must be sorted by partition: some are not held, or some held partitions are ahead of others. */
  private filtering(): boolean {
    if (this.positions.size < this.partitions) return true;
    const [first] = this.positions.values();
    for (const p of this.positions.values()) if (comparePositions(p, first) !== 0) return true;
    return false;
  }

  private partitionOfEvent(e: Pick<RecordedEvent, 'data'>): number {
    const workspace = String((e.data as { workspace_id?: unknown }).workspace_id ?? '');
    let p = this.partitionCache.get(workspace);
    if (p === undefined) {
      if (this.partitionCache.size >= 100_000) this.partitionCache.clear();
      this.partitionCache.set(workspace, (p = partitionOf(workspace, this.partitions)));
    }
    return p;
  }

  /** A held partition's event its checkpoint has not passed. */
  private isNew(e: RecordedEvent): boolean {
    const at = this.positions.get(this.partitionOfEvent(e));
    return at !== undefined && comparePositions(e.position, at) > 0;
  }

  /**
   * `isNew` in SQL, over event_log's rows: each held partition's position, by partition, in two array parameters
   * (NULL for a partition not held, which no row passes). The text is the same whatever the positions.
   */
  private onlyNew(): LogCondition {
    const at = (part: 'commit' | 'prepare') =>
      allPartitions(this.partitions).map((p) => {
        const pos = this.positions.get(p);
        return pos === undefined ? null : String(pos[part]);
      });
    const [commits, prepares] = [at('commit'), at('prepare')];
    const partitions = this.partitions;
    return (values) => {
      values.push(commits, prepares);
      const index = `${partitionOfSql(`(data->>'workspace_id')`, partitions)} + 1`;
      return `(transaction_id::text::numeric, global_position::numeric) > (($${values.length - 1}::numeric[])[${index}], ($${values.length}::numeric[])[${index}])`;
    };
  }

  /**
   * Each held partition moved to `position`. Its events: counted from `applied` (events in Node), or, for a page
   * applied where it lies, `unfiltered` (the page's count, on the first partition: every partition was read, and
   * the sum is what readers read) or counted in SQL (`logBatchSql`'s `countBy`).
   */
  private advances(position: LogPosition, applied: readonly RecordedEvent[] | { unfiltered: number } | undefined): PartitionAdvance[] {
    const counts = new Map<number, number>();
    if (Array.isArray(applied)) {
      for (const e of applied) {
        const p = this.partitionOfEvent(e);
        counts.set(p, (counts.get(p) ?? 0) + 1);
      }
    } else if (applied) counts.set(Math.min(...this.positions.keys()), (applied as { unfiltered: number }).unfiltered);
    return [...this.positions].map(([partition, at]) => ({
      partition,
      position: comparePositions(position, at) > 0 ? position : at,
      events: counts.get(partition) ?? 0,
    }));
  }

  /**
   * Pages through a log in the read model's database. A page is chosen in one statement: up to the batch
   * size of usage events after the checkpoint, all committed below the readers' horizon, so a later
   * commit can never sort among them; a short page reaches the head of the same snapshot, past a filtered
   * gap. The batch statement then reads that range where it lies. Caught up, it waits for an append.
   */
  private async consumeLog(log: LogInDatabase, untilCaughtUp: boolean): Promise<void> {
    const watch = log.watchAppends();
    this.closeSubscription = async () => watch.close();
    const size = new AdaptiveBatchSize(this.options.batchSize);
    try {
      while (!this.stopRequested) {
        const after = this.progress.position;
        const limit = size.size;
        // Holding every partition at one position (a single projector process), the page needs no condition at all.
        const only = this.filtering() ? this.onlyNew() : undefined;
        const page = await choosePage(this.pool, this.options.schema, log.pageSql(USAGE_EVENT_FILTER, after, limit, only));
        const caughtUp = page.events < limit;
        size.update(!caughtUp);
        const position = caughtUp ? [page.last, page.head].reduce<LogPosition>((a, b) => (b ? maxPosition(a, b) : a), after) : page.last!;
        if (this.stopRequested) break;
        if ([...this.positions.values()].some((p) => comparePositions(position, p) > 0)) {
          await this.apply({ kind: 'log', after, position, events: page.events, unseen: page.unseen, only });
        }
        this.settled(caughtUp);
        if (!caughtUp) continue;
        if (untilCaughtUp) break;
        await watch.next(IDLE_POLL_MS);
      }
    } finally {
      watch.close();
    }
  }

  private async consumeSubscription(untilCaughtUp: boolean): Promise<void> {
    const subscription = this.store.subscribeToAll({ from: this.progress.position, filter: USAGE_EVENT_FILTER });
    this.closeSubscription = () => subscription.close();
    const size = new AdaptiveBatchSize(this.options.batchSize);
    try {
      for await (const batch of batched(subscription, () => size.size, this.options.lingerMs ?? 20)) {
        if (this.stopRequested) break;
        size.update(batch.events.length >= size.size);
        const after = this.progress.position;
        const events = this.filtering() ? batch.events.filter((e) => this.isNew(e)) : batch.events;
        if (events.length || [...this.positions.values()].some((p) => comparePositions(batch.position, p) > 0)) {
          await this.apply({ kind: 'events', after, position: batch.position, events: events.length, read: events });
        }
        this.settled(batch.caughtUp);
        if (untilCaughtUp && batch.caughtUp) break;
      }
    } finally {
      await subscription.close();
    }
  }

  /** After each read of the log, applied or empty: a projector that reads the log again is no longer stalled. */
  private settled(caughtUp: boolean): void {
    if (this.stallReported) this.options.onStall?.(undefined);
    this.stallReported = false;
    this.failing = undefined;
    this.progress = { ...this.progress, caughtUp };
    this.events.emit('progress', this.progress);
  }

  private noteFailure(err: Error): void {
    const position = this.progress.position;
    const again = this.failing && comparePositions(this.failing.position, position) === 0;
    const code = (err as { code?: unknown }).code;
    this.failing = {
      position,
      error: err.message,
      sqlstate: typeof code === 'string' ? code : null,
      since: again ? this.failing!.since : new Date(),
      attempts: again ? this.failing!.attempts + 1 : 1,
    };
    if (this.stalled) {
      this.stallReported = true;
      this.options.onStall?.(this.stalled);
    }
  }

  /**
   * Applies a batch in one transaction with its checkpoint. When PostgreSQL refuses its data (an
   * event the read model cannot store), the batch is applied again with its bad events isolated:
   * every other event is applied, and each one that fails alone is skipped and dead-lettered in the
   * same transaction as the checkpoint (ADR 0014). The happy path pays nothing for this.
   */
  private async apply(batch: Batch): Promise<void> {
    const started = performance.now();
    let catalog = await this.options.catalog();
    let isolating = false;
    let outcome: { version: number; poisoned: number; advances: PartitionAdvance[] } | false;
    for (;;) {
      if (this.pricedWith === undefined || (catalog.version !== this.pricedWith && catalog.version !== this.deferred)) await this.adopt(catalog);
      try {
        outcome = await this.applyPricedWith(catalog, batch, isolating);
      } catch (err) {
        if (isolating || !isDataError(err)) throw err;
        this.options.log?.(`projector ${this.options.schema}: the batch up to ${formatPosition(batch.position)} failed (${(err as Error).message}); isolating the events it cannot apply`);
        isolating = true;
        continue;
      }
      if (outcome !== false) break;
      catalog = await this.options.catalog();
    }
    this.pricedWith = outcome.version;
    for (const a of outcome.advances) this.positions.set(a.partition, a.position);
    const applied = batch.events - outcome.poisoned;
    this.progress = { position: leastPosition([...this.positions.values()]), eventsApplied: this.progress.eventsApplied + applied, caughtUp: false };
    this.events.emit('batch', { events: applied, seconds: (performance.now() - started) / 1000 } satisfies ProjectorBatch);
  }

  /**
   * Brings the schema's price table to `catalog` when that reprices none of the usage the schema holds; a
   * version that does waits for the rebuild it needs (ADR 0013: per-call costs are priced when read, so the
   * table may never run ahead of the sums). Under the gate taken exclusive: no batch of any process is being
   * summed while the table changes. A schema no batch has written yet gets its state here.
   */
  private async adopt(catalog: PriceCatalog): Promise<void> {
    const { schema } = this.options;
    this.pricedWith = await inTransaction(this.pool, async (client) => {
      await takeGateExclusive(client);
      const state = await readProjectionState(client, schema);
      if (state && this.generation !== undefined && state.generation !== this.generation) throw new PartitionsMoved(`${schema} was swapped`);
      if (state?.pricingVersion === catalog.version) return state.pricingVersion;
      const table = compilePriceTable(catalog, await modelNamesOf(client, schema));
      if (state && (await repricesRecordedUsage(client, schema, table))) {
        this.deferred = catalog.version;
        this.options.log?.(`catalog version ${catalog.version} reprices recorded usage: ${schema} keeps version ${state.pricingVersion} until a rebuild`);
        return state.pricingVersion;
      }
      // The table changes with the version, or not at all.
      await writePriceTable(client, schema, table);
      if (state) await setPricingVersion(client, schema, catalog.version);
      else await initProjectionState(client, schema, this.partitions, catalog.version);
      return catalog.version;
    });
  }

  /** The batch's events in Node: a page of the log in the database is read for the isolating path only. */
  private async eventsOf(batch: Batch): Promise<readonly RecordedEvent[]> {
    if (batch.kind === 'events') return batch.read;
    // The page is below the horizon it was chosen under: these are its events, whatever committed since.
    const events: RecordedEvent[] = [];
    for (let from = batch.after, more = true; more; ) {
      const read = await this.store.readAll({ from, maxCount: 5000, filter: USAGE_EVENT_FILTER });
      for (const e of read) {
        if (comparePositions(e.position, batch.position) > 0) break;
        if (!batch.only || this.isNew(e)) events.push(e);
      }
      more = read.length === 5000 && comparePositions(read[read.length - 1].position, batch.position) < 0;
      if (read.length) from = read[read.length - 1].position;
    }
    if (events.length !== batch.events) {
      throw new Error(`the log after ${formatPosition(batch.after)} no longer reads as the page of ${batch.events} events up to ${formatPosition(batch.position)}`);
    }
    return events;
  }

  /** Applies `events` with those PostgreSQL refuses skipped and dead-lettered, then moves the checkpoints as `advances` says. */
  private async applyIsolating(client: PoolClient, events: readonly RecordedEvent[], position: LogPosition): Promise<{ poisoned: PoisonedEvent[]; advances: PartitionAdvance[] }> {
    const { schema } = this.options;
    const poisoned = await isolatePoison(events, async (slice) => {
      await client.query('SAVEPOINT isolate');
      try {
        await applyCostBatch(client, schema, slice, []);
        await client.query('RELEASE SAVEPOINT isolate');
      } catch (err) {
        await client.query('ROLLBACK TO SAVEPOINT isolate; RELEASE SAVEPOINT isolate');
        throw err;
      }
    });
    const skipped = new Set(poisoned.map((p) => p.event));
    const advances = this.advances(position, events.filter((e) => !skipped.has(e)));
    await applyCostBatch(client, schema, [], advances);
    await recordDeadLetters(client, COST_PROJECTION, poisoned);
    for (const { event, error } of poisoned) {
      this.options.log?.(`projector ${schema}: skipped event ${event.id} at ${formatPosition(event.position)} (dead-lettered): ${error.message}`);
    }
    return { poisoned, advances };
  }

  /**
   * Applies the batch priced with the schema's price table, which takes `catalog` first when that
   * reprices none of the usage the schema holds; a version that does waits for the rebuild it needs
   * (ADR 0013: per-call costs are priced when read, so the table may never run ahead of the sums).
   * Answers the version the batch was priced with, or false (the batch rolled back) when the catalog
   * moved on meanwhile. A price change measures the usage it restates under a share lock on the
   * checkpoint table (PricingChanges), which waits for the batch's checkpoint write and which that
   * write waits for: so a change either saw this batch's facts, or was recorded before the check
   * below, which then prices the batch again rather than commit costs the change would never restate.
   */
  private async applyPricedWith(
    catalog: PriceCatalog,
    batch: Batch,
    isolating: boolean,
  ): Promise<{ version: number; poisoned: number; advances: PartitionAdvance[] } | false> {
    const moved = new Error('the catalog moved while the batch was priced');
    const { schema } = this.options;
    // Read before the transaction: the isolating path is rare, and the page's events are settled.
    const events = isolating ? await this.eventsOf(batch) : undefined;
    try {
      return await inTransaction(this.pool, async (client) => {
        // Not waiting for the WAL flush is safe here: the batch and its checkpoint commit or are lost together,
        // and a batch lost to a crash is applied again from the log, which ingest wrote durably (ADR 0029).
        await client.query(`SELECT set_config('work_mem', $1, true), set_config('synchronous_commit', 'off', true)`, [BATCH_WORK_MEM]);
        // The schema's version is fixed from here to the commit: adoption takes the gate exclusive.
        const state = await beginPartitionBatch(client, schema, this.partitions, this.positions, this.generation);
        this.generation = state.generation;
        const version = state.pricingVersion;
        // A page's unseen names were looked up outside this transaction: resolveModelNames looks again.
        const names = batch.kind === 'log' ? batch.unseen : modelNamesIn(batch.read).filter((n) => !this.resolvedNames.has(nameKey(n)));
        await resolveModelNames(client, schema, names, async () => (version === catalog.version ? catalog : this.catalogAt(version)));
        let poisoned = 0;
        let advances: PartitionAdvance[];
        if (events) {
          const isolated = await this.applyIsolating(client, events, batch.position);
          poisoned = isolated.poisoned.length;
          advances = isolated.advances;
        } else if (batch.kind === 'events') {
          advances = this.advances(batch.position, batch.read);
          await applyCostBatch(client, schema, batch.read, advances);
        } else {
          const scan = this.log!.scanSql(USAGE_EVENT_FILTER, batch.position, undefined, batch.after, batch.only);
          advances = this.advances(batch.position, batch.only ? undefined : { unfiltered: batch.events });
          const applied = await applyLogBatch(client, schema, scan, advances, batch.only ? this.partitions : undefined);
          if (applied.events !== batch.events) {
            throw new Error(`the log after ${formatPosition(batch.after)} up to ${formatPosition(batch.position)} read ${applied.events} events, its page ${batch.events}`);
          }
        }
        await this.options.beforeCommit?.({ after: batch.after, position: batch.position, events: batch.events });
        if ((await this.options.catalog()).version !== catalog.version) throw moved;
        return { version, poisoned, advances, names: batch.kind === 'events' ? names : [] };
      }).then(({ names, ...outcome }) => {
        for (const n of names) this.resolvedNames.add(nameKey(n));
        return outcome;
      });
    } catch (err) {
      if (err === moved) return false;
      throw err;
    }
  }

  private async catalogAt(version: number): Promise<PriceCatalog> {
    const latest = await this.options.catalog();
    if (latest.version === version) return latest;
    if (!this.options.catalogAt) throw new Error(`${this.options.schema} is priced with catalog version ${version}, and this projector only knows ${latest.version}`);
    return this.options.catalogAt(version);
  }
}

