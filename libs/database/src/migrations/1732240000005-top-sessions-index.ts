import { MigrationInterface, QueryRunner } from 'typeorm';
import { READ_MODEL_SCHEMA } from '../read-model.schema';

/** The summary's top sessions read from an index rather than a sort of every session (see readModelIndexes). */
export class TopSessionsIndex1732240000005 implements MigrationInterface {
  name = 'TopSessionsIndex1732240000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS session_costs_workspace_id_total_cost_session_id_idx
      ON ${READ_MODEL_SCHEMA}.session_costs (workspace_id, total_cost DESC, session_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ${READ_MODEL_SCHEMA}.session_costs_workspace_id_total_cost_session_id_idx`);
  }
}
