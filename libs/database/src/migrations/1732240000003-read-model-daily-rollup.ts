import { MigrationInterface, QueryRunner } from 'typeorm';
import { READ_MODEL_SCHEMA } from '../read-model-name';
import { recreateReadModel } from './recreate-read-model';

/** Adds the daily rollup (see recreateReadModel). */
export class ReadModelDailyRollup1732240000003 implements MigrationInterface {
  name = 'ReadModelDailyRollup1732240000003';

  async up(q: QueryRunner): Promise<void> {
    await recreateReadModel(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${READ_MODEL_SCHEMA}.daily_costs`);
  }
}
