import { MigrationInterface, QueryRunner } from 'typeorm';
import { recreateReadModel } from './recreate-read-model';

/**
 * Every event counts under its session's execution (ADR 0016): facts keep the execution they name beside the
 * one they count under, the rollups count tool calls apart from model calls, and the execution index no longer
 * keeps a workflow (read from the run's sessions). The read model is refilled from the log (see recreateReadModel).
 */
export class SessionExecution1732240000011 implements MigrationInterface {
  name = 'SessionExecution1732240000011';

  async up(q: QueryRunner): Promise<void> {
    await recreateReadModel(q);
  }

  async down(): Promise<void> {
    // Nothing to undo in place: the read model is derived, and an older release re-creates its own shape.
  }
}
