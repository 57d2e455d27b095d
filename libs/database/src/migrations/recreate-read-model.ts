import type { QueryRunner } from 'typeorm';
import { READ_MODEL_SCHEMA, readModel } from '../read-model.schema';

/**
 * A change of the read model's shape re-creates it empty rather than migrating rows:
 * it holds nothing the log and the catalog cannot give back. The projector then finds
 * no checkpoint over a non-empty log and refills it with a bulk initial load (ADR 0012),
 * exactly as a rebuild would.
 */
export async function recreateReadModel(q: QueryRunner): Promise<void> {
  await q.query(`DROP SCHEMA IF EXISTS ${READ_MODEL_SCHEMA} CASCADE`);
  for (const sql of readModel(READ_MODEL_SCHEMA)) await q.query(sql);
}
