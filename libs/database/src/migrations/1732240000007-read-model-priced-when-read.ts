import { MigrationInterface, QueryRunner } from 'typeorm';
import { recreateReadModel } from './recreate-read-model';

/**
 * Facts no longer store their costs: the priced_facts view prices them when read, and the aggregates
 * are summed from them priced (ADR 0013). The read model is refilled from the log (see recreateReadModel).
 */
export class ReadModelPricedWhenRead1732240000007 implements MigrationInterface {
  name = 'ReadModelPricedWhenRead1732240000007';

  async up(q: QueryRunner): Promise<void> {
    await recreateReadModel(q);
  }

  async down(): Promise<void> {
    // Nothing to undo in place: the read model is derived, and an older release re-creates its own shape.
  }
}
