import { MigrationInterface, QueryRunner } from 'typeorm';
import { READ_MODEL_SCHEMA } from '../read-model-name';

/** The summary's top sessions read from an index rather than a sort of every session (see readModelIndexes). */
export class TopSessionsIndex1732240000005 implements MigrationInterface {
  name = 'TopSessionsIndex1732240000005';

  async up(q: QueryRunner): Promise<void> {
    // A read model created since has the index already (readModelIndexes); a dropped one gets it when re-created.
    if ((await q.query(`SELECT to_regclass('${READ_MODEL_SCHEMA}.session_costs') AS t`))[0].t === null) return;
    await q.query(`CREATE INDEX IF NOT EXISTS session_costs_workspace_id_total_cost_session_id_idx
      ON ${READ_MODEL_SCHEMA}.session_costs (workspace_id, total_cost DESC, session_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ${READ_MODEL_SCHEMA}.session_costs_workspace_id_total_cost_session_id_idx`);
  }
}
