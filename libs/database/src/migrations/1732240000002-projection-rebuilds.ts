import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Requests to restate the read models, and their progress. A durable queue:
 * any replica may request a rebuild, the active projector runs it, and a request
 * made during a rebuild waits here instead of being lost. `owner` fences a rebuild
 * to the projector instance that started it.
 */
export class ProjectionRebuilds1732240000002 implements MigrationInterface {
  name = 'ProjectionRebuilds1732240000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE projection_rebuilds (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      requested_at timestamptz NOT NULL DEFAULT now(),
      reason text NOT NULL,
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'failed', 'merged')),
      catalog_version bigint,
      started_at timestamptz,
      finished_at timestamptz,
      events_done bigint NOT NULL DEFAULT 0,
      events_total bigint,
      merged_into bigint,
      owner text,
      error text)`);
    await q.query(`CREATE INDEX projection_rebuilds_open ON projection_rebuilds (id) WHERE state IN ('pending', 'running')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE projection_rebuilds`);
  }
}
