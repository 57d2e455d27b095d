import { MigrationInterface, QueryRunner } from 'typeorm';
import { READ_MODEL_SCHEMA, readModel } from '../read-model.schema';

/**
 * Adds the daily rollup. The read model holds nothing the log and the catalog
 * cannot give back, so a change of its shape re-creates it empty rather than
 * migrating rows: the projector then finds an empty checkpoint over a non-empty
 * log and refills it with a bulk initial load (ADR 0012), exactly as a rebuild would.
 */
export class ReadModelDailyRollup1732240000003 implements MigrationInterface {
  name = 'ReadModelDailyRollup1732240000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA IF EXISTS ${READ_MODEL_SCHEMA} CASCADE`);
    for (const sql of readModel(READ_MODEL_SCHEMA)) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${READ_MODEL_SCHEMA}.daily_costs`);
  }
}
