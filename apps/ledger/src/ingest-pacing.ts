import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { INGEST_SLOTS, IngestSlots } from '@ledger/ingest';
import { ProjectorRunner } from '@ledger/projections';

/** How long one full page keeps ingest to one batch at a time; a projector still behind reads the next one sooner. */
const YIELD_MS = 1000;

/**
 * Role `all` only: ingest makes room for the projector beside it (ADR 0029). On the cores they share, ingest
 * can outrun the projector, and the lag (how late costs are visible) then grows for as long as agents post.
 * While the projector reads full pages (at least a batch is waiting), batches are recorded one at a time,
 * which hands it the CPU a second one would take. Projector processes of their own (role `projector`) have
 * cores of their own: an `api` process never paces.
 */
@Injectable()
export class IngestPacing implements OnApplicationBootstrap, OnApplicationShutdown {
  private unsubscribe?: () => void;

  constructor(
    private readonly runner: ProjectorRunner,
    @Inject(INGEST_SLOTS) private readonly slots: IngestSlots,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.runner.projector.onProgress((p) => {
      if (!p.caughtUp) this.slots.yieldFor(YIELD_MS);
    });
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
  }
}
