import { MigrationInterface, QueryRunner } from 'typeorm';
import { READ_MODEL_SCHEMA, readModel } from '../read-model.schema';

export class ReadModel1732240000001 implements MigrationInterface {
  name = 'ReadModel1732240000001';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of readModel(READ_MODEL_SCHEMA)) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA ${READ_MODEL_SCHEMA} CASCADE`);
  }
}
