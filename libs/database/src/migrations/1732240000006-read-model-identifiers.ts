import { MigrationInterface, QueryRunner } from 'typeorm';
import { recreateReadModel } from './recreate-read-model';

/**
 * Identifiers become C-collated and selective-first keys; facts no longer store per-tool cost shares
 * (they are computed when a breakdown is read). The read model is refilled from the log (see recreateReadModel).
 */
export class ReadModelIdentifiers1732240000006 implements MigrationInterface {
  name = 'ReadModelIdentifiers1732240000006';

  async up(q: QueryRunner): Promise<void> {
    await recreateReadModel(q);
  }

  async down(): Promise<void> {
    // Nothing to undo in place: the read model is derived, and an older release re-creates its own shape.
  }
}
