import { MigrationInterface, QueryRunner } from 'typeorm';
import { recreateReadModel } from './recreate-read-model';

/**
 * The 2026 price model (ADR 0021): facts and aggregates gain the new usage classes and the modifiers a call
 * was served with, and the band table per-class rates, modifiers and workspace overrides. The read model is
 * refilled from the log (see recreateReadModel).
 */
export class PriceDimensions1732240000012 implements MigrationInterface {
  name = 'PriceDimensions1732240000012';

  async up(q: QueryRunner): Promise<void> {
    await recreateReadModel(q);
  }

  async down(): Promise<void> {
    // Nothing to undo in place: the read model is derived, and an older release re-creates its own shape.
  }
}
