import { MigrationInterface, QueryRunner } from 'typeorm';
import { READ_MODEL_SCHEMA } from '../read-model-name';
import { recreateReadModel } from './recreate-read-model';

/** Moves pricing into the projection's SQL: the read model gains its compiled price table (see recreateReadModel). */
export class ReadModelPriceTable1732240000004 implements MigrationInterface {
  name = 'ReadModelPriceTable1732240000004';

  async up(q: QueryRunner): Promise<void> {
    await recreateReadModel(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${READ_MODEL_SCHEMA}.model_prices, ${READ_MODEL_SCHEMA}.tool_prices`);
  }
}
