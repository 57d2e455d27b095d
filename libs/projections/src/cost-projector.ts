import { EventEmitter } from 'node:events';
import type { Pool } from 'pg';
import { inTransaction } from '@ledger/database';
import { comparePositions, EventStore, LOG_START, LogPosition, RecordedEvent } from '@ledger/event-store';
import { compilePriceTable, PriceCatalog } from '@ledger/pricing';
import { batched } from './batched';
import { applyCostBatch, readCheckpoint, repricesRecordedUsage, writePriceTable } from './cost.projection';

export const USAGE_EVENT_FILTER = { eventTypes: ['TokenUsed', 'ToolCalled', 'SessionFinalized'] };

export interface ProjectorOptions {
  /** The read-model schema this projector writes (live, or a rebuild's shadow). */
  readonly schema: string;
  readonly batchSize: number;
  /** The catalog to price with; asked once per batch so a new version applies from the next batch. */
  readonly catalog: () => PriceCatalog | Promise<PriceCatalog>;
  /** How long a live batch waits for more events. */
  readonly lingerMs?: number;
  /** Test seam: runs after a batch's rows are written and before its commit. */
  readonly beforeCommit?: (batch: readonly RecordedEvent[]) => Promise<void>;
  readonly log?: (message: string) => void;
}

/** One committed batch: how many events, and how long pricing, applying and committing them took. */
export interface ProjectorBatch {
  readonly events: number;
  readonly seconds: number;
}

export interface ProjectorProgress {
  readonly position: LogPosition;
  readonly eventsApplied: number;
  readonly caughtUp: boolean;
}

/**
 * Reads the log in order and applies it to the cost read model in batches,
 * each in one transaction with its checkpoint. A crash at any point leaves the
 * last committed checkpoint, and the read side's dedupe by (workspace, event_id)
 * makes re-applying a batch harmless.
 */
export class CostProjector {
  private readonly events = new EventEmitter();
  private running?: Promise<void>;
  private stopRequested = false;
  private closeSubscription?: () => Promise<void>;
  private progress: ProjectorProgress = { position: LOG_START, eventsApplied: 0, caughtUp: false };
  /** The catalog version of the schema's price table, as of the last commit. */
  private pricedWith?: number;
  /** A catalog version that reprices usage this schema holds: only a rebuild's swap brings it in. */
  private deferred?: number;

  constructor(
    private readonly store: EventStore,
    private readonly pool: Pool,
    private readonly options: ProjectorOptions,
  ) {
    this.events.setMaxListeners(0);
  }

  get current(): ProjectorProgress {
    return this.progress;
  }

  onProgress(listener: (p: ProjectorProgress) => void): () => void {
    this.events.on('progress', listener);
    return () => this.events.off('progress', listener);
  }

  onBatch(listener: (b: ProjectorBatch) => void): () => void {
    this.events.on('batch', listener);
    return () => this.events.off('batch', listener);
  }

  /** Runs until stopped, resuming from the checkpoint and retrying after failures. */
  start(): void {
    this.stopRequested = false;
    this.running ??= (async () => {
      while (!this.stopRequested) {
        try {
          await this.consume(false);
        } catch (err) {
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

  private async consume(untilCaughtUp: boolean): Promise<void> {
    const saved = await readCheckpoint(this.pool, this.options.schema);
    this.progress = { ...this.progress, position: saved?.position ?? LOG_START };
    this.pricedWith = saved?.pricingVersion;
    this.deferred = undefined;
    const subscription = this.store.subscribeToAll({ from: this.progress.position, filter: USAGE_EVENT_FILTER });
    this.closeSubscription = () => subscription.close();
    try {
      for await (const batch of batched(subscription, this.options.batchSize, this.options.lingerMs ?? 20)) {
        if (this.stopRequested) break;
        if (batch.events.length || comparePositions(batch.position, this.progress.position) > 0) {
          await this.apply(batch.events, batch.position);
        }
        this.progress = { ...this.progress, caughtUp: batch.caughtUp };
        this.events.emit('progress', this.progress);
        if (untilCaughtUp && batch.caughtUp) break;
      }
    } finally {
      await subscription.close();
    }
  }

  private async apply(events: readonly RecordedEvent[], position: LogPosition): Promise<void> {
    const started = performance.now();
    let catalog = await this.options.catalog();
    let version: number | false;
    while ((version = await this.applyPricedWith(catalog, events, position)) === false) catalog = await this.options.catalog();
    this.pricedWith = version;
    this.progress = { position, eventsApplied: this.progress.eventsApplied + events.length, caughtUp: false };
    this.events.emit('batch', { events: events.length, seconds: (performance.now() - started) / 1000 } satisfies ProjectorBatch);
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
  private async applyPricedWith(catalog: PriceCatalog, events: readonly RecordedEvent[], position: LogPosition): Promise<number | false> {
    const moved = new Error('the catalog moved while the batch was priced');
    const { schema } = this.options;
    try {
      return await inTransaction(this.pool, async (client) => {
        let version = this.pricedWith;
        if (version === undefined || (catalog.version !== version && catalog.version !== this.deferred)) {
          const table = compilePriceTable(catalog);
          if (version !== undefined && (await repricesRecordedUsage(client, schema, table))) {
            this.deferred = catalog.version;
            this.options.log?.(`catalog version ${catalog.version} reprices recorded usage: ${schema} keeps version ${version} until a rebuild`);
          } else {
            // The table changes with the batch, or not at all.
            await writePriceTable(client, schema, table);
            version = catalog.version;
          }
        }
        await applyCostBatch(client, schema, events, position, version);
        await this.options.beforeCommit?.(events);
        if ((await this.options.catalog()).version !== catalog.version) throw moved;
        return version;
      });
    } catch (err) {
      if (err === moved) return false;
      throw err;
    }
  }
}
