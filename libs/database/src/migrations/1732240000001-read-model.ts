import { MigrationInterface, QueryRunner } from 'typeorm';
import { READ_MODEL_SCHEMA } from '../read-model-name';
import { recreateReadModel } from './recreate-read-model';

export class ReadModel1732240000001 implements MigrationInterface {
  name = 'ReadModel1732240000001';

  async up(q: QueryRunner): Promise<void> {
    // Created by the projections at start-up, in the shape of the release that runs (see recreateReadModel).
    await recreateReadModel(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA IF EXISTS ${READ_MODEL_SCHEMA} CASCADE`);
  }
}
