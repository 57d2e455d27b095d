import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where a rebuild restates from: the live read model's facts (the default, ADR 0013), or the event log,
 * replayed from its start (an initial load, or a repair asked for by hand).
 */
export class RebuildSource1732240000008 implements MigrationInterface {
  name = 'RebuildSource1732240000008';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE projection_rebuilds ADD COLUMN source text NOT NULL DEFAULT 'facts' CHECK (source IN ('facts', 'log'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE projection_rebuilds DROP COLUMN source`);
  }
}
