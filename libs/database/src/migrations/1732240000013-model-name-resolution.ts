import { MigrationInterface, QueryRunner } from 'typeorm';
import { recreateReadModel } from './recreate-read-model';

/**
 * Model-name resolution (ADR 0022): facts keep the provider a call named, and each schema resolves the
 * (provider, name) pairs its facts were sent with (`model_names`) into bands keyed by them. The read model
 * is refilled from the log (see recreateReadModel).
 */
export class ModelNameResolution1732240000013 implements MigrationInterface {
  name = 'ModelNameResolution1732240000013';

  async up(q: QueryRunner): Promise<void> {
    await recreateReadModel(q);
  }

  async down(): Promise<void> {
    // Nothing to undo in place: the read model is derived, and an older release re-creates its own shape.
  }
}
