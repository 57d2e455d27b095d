import { MigrationInterface, QueryRunner } from 'typeorm';
import { READ_MODEL_SCHEMA, readModel } from '../read-model.schema';

/**
 * Moves pricing into the projection's SQL: the read model gains its compiled
 * price table. Like every
 * change of the read model's shape, it is re-created empty and refilled from the
 * log by a bulk initial load (see ReadModelDailyRollup1732240000003).
 */
export class ReadModelPriceTable1732240000004 implements MigrationInterface {
  name = 'ReadModelPriceTable1732240000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA IF EXISTS ${READ_MODEL_SCHEMA} CASCADE`);
    for (const sql of readModel(READ_MODEL_SCHEMA)) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${READ_MODEL_SCHEMA}.model_prices, ${READ_MODEL_SCHEMA}.tool_prices`);
  }
}
