import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EVENT_STORE, EventStore, WrongExpectedVersionError } from '@ledger/event-store';
import { ConflictError } from '@ledger/http';
import { randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import { catalogFileHash } from './catalog-file';
import { SHIPPED_CATALOG } from './default-catalog';
import { catalogFromState, PriceCatalog } from './price-catalog';
import { CatalogState, EMPTY_CATALOG_STATE, evolveCatalog, PRICING_STREAM, PricingEvent } from './pricing-events';

const SEED_NAMESPACE = '0b7d7c52-8f0e-4f6e-9a53-2b8f1f0c5e11';

/**
 * The pricing catalog as currently known: a fold of the pricing stream. The
 * shipped default catalog seeds the stream on first start. `refresh` reads only
 * what was appended since, so the projector can call it before every batch and
 * pick up a change made through any replica.
 */
@Injectable()
export class PricingCatalog implements OnModuleInit {
  private readonly logger = new Logger('Pricing');
  private state: CatalogState = EMPTY_CATALOG_STATE;
  private catalog: PriceCatalog = catalogFromState(EMPTY_CATALOG_STATE);
  private refreshing: Promise<PriceCatalog> = Promise.resolve(this.catalog);
  private readonly earlier = new Map<number, PriceCatalog>();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onModuleInit(): Promise<void> {
    await this.refresh();
    if (this.state.version === 0) await this.seed();
  }

  get version(): number {
    return this.state.version;
  }

  /** The folded rows, for what-if folds of a candidate change. */
  get rows(): CatalogState {
    return this.state;
  }

  /** The catalog as it was at `version` (the latest ones are kept): what a schema that keeps a version resolves names with. */
  async at(version: number): Promise<PriceCatalog> {
    if (version === this.state.version) return this.catalog;
    const kept = this.earlier.get(version);
    if (kept) return kept;
    const events = await this.store.readStream(PRICING_STREAM);
    if (version > events.length) throw new Error(`the pricing catalog has no version ${version} (it is at ${events.length})`);
    const state = events.slice(0, version).reduce((s, e) => evolveCatalog(s, { type: e.type, data: e.data } as PricingEvent), EMPTY_CATALOG_STATE);
    const catalog = catalogFromState(state);
    this.earlier.clear();
    this.earlier.set(version, catalog);
    return catalog;
  }

  /** Every change ever made, oldest first: the catalog's audit trail. */
  async history(): Promise<{ version: number; type: string; data: Record<string, unknown>; recorded_at: string }[]> {
    const events = await this.store.readStream(PRICING_STREAM);
    return events.map((e) => ({ version: Number(e.revision) + 1, type: e.type, data: e.data, recorded_at: e.created.toISOString() }));
  }

  /**
   * Folds what was appended since the last refresh. Calls are serialised: the
   * projector and API requests refresh concurrently, and two overlapping reads
   * from the same version would fold the same events twice.
   */
  refresh(): Promise<PriceCatalog> {
    const run = this.refreshing.then(async () => {
      const events = await this.store.readStream(PRICING_STREAM, { fromRevision: BigInt(this.state.version) });
      if (events.length) {
        this.state = events.reduce((s, e) => evolveCatalog(s, { type: e.type, data: e.data } as PricingEvent), this.state);
        this.catalog = catalogFromState(this.state);
      }
      return this.catalog;
    });
    this.refreshing = run.catch(() => this.catalog);
    return run;
  }

  /**
   * Appends a change if the catalog is still at `expectedVersion` (optimistic
   * concurrency: two admins editing at once do not overwrite each other).
   */
  async change(event: PricingEvent, expectedVersion: number): Promise<PriceCatalog> {
    try {
      await this.store.append([
        {
          streamId: PRICING_STREAM,
          expectedRevision: expectedVersion === 0 ? 'no_stream' : BigInt(expectedVersion - 1),
          events: [{ id: randomUUID(), type: event.type, data: { ...event.data } }],
        },
      ]);
    } catch (err) {
      if (err instanceof WrongExpectedVersionError) {
        throw new ConflictError(`the pricing catalog changed meanwhile (expected version ${expectedVersion}); read it again and retry`);
      }
      throw err;
    }
    return this.refresh();
  }

  private async seed(): Promise<void> {
    try {
      await this.store.append([
        {
          streamId: PRICING_STREAM,
          expectedRevision: 'no_stream',
          // A deterministic id: replicas that boot together seed once.
          events: [
            {
              id: uuidv5(`shipped-catalog/${catalogFileHash(SHIPPED_CATALOG)}`, SEED_NAMESPACE),
              type: 'CatalogImported',
              data: {
                source: SHIPPED_CATALOG.source,
                sha256: catalogFileHash(SHIPPED_CATALOG),
                providers: SHIPPED_CATALOG.providers,
                set: SHIPPED_CATALOG.rows,
                removed: [],
                reason: 'the catalog shipped with this version',
              } satisfies Extract<PricingEvent, { type: 'CatalogImported' }>['data'],
            },
          ],
        },
      ]);
      const { name, version } = SHIPPED_CATALOG.source;
      this.logger.log(`seeded the pricing catalog with ${SHIPPED_CATALOG.rows.length} prices from ${name} ${version}`);
    } catch (err) {
      if (!(err instanceof WrongExpectedVersionError)) throw err;
    }
    await this.refresh();
  }
}
