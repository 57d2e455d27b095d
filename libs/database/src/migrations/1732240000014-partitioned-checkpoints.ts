import { MigrationInterface, QueryRunner } from 'typeorm';
import { recreateReadModel } from './recreate-read-model';

/**
 * Partitioned projection (ADR 0026): the read model's one checkpoint row becomes a row per partition, with the
 * schema's pricing version, partition count and swap generation in `projection_state`, and `checkpoint` a view
 * over both. The read model is refilled from the log (see recreateReadModel), by a bulk load.
 */
export class PartitionedCheckpoints1732240000014 implements MigrationInterface {
  name = 'PartitionedCheckpoints1732240000014';

  async up(q: QueryRunner): Promise<void> {
    await recreateReadModel(q);
  }

  async down(): Promise<void> {
    // Nothing to undo in place: the read model is derived, and an older release re-creates its own shape.
  }
}
