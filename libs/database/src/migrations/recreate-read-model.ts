import type { QueryRunner } from 'typeorm';
import { READ_MODEL_SCHEMA } from '../read-model-name';

/**
 * A change of the read model's shape drops it rather than migrating rows: it holds nothing the log and
 * the catalog cannot give back. The projections create it again, in its current shape, when the
 * service starts (`ensureReadModel`); the projector then finds no checkpoint over a non-empty log and
 * refills it with a bulk initial load (ADR 0012), exactly as a rebuild would.
 */
export async function recreateReadModel(q: QueryRunner): Promise<void> {
  await q.query(`DROP SCHEMA IF EXISTS ${READ_MODEL_SCHEMA} CASCADE`);
}
