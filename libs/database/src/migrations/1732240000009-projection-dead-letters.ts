import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events a projection could not apply (ADR 0014): each one is skipped so that every other event is
 * applied, and recorded here, once per projection and log position, until a retry applies it
 * (`resolved_at` set; NULL while unresolved). The event itself stays in the log.
 * Beside them, the live projector's stall (failing one batch again and again), while it lasts, so
 * that every replica can report it, not only the one that runs the projector.
 */
export class ProjectionDeadLetters1732240000009 implements MigrationInterface {
  name = 'ProjectionDeadLetters1732240000009';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE public.projection_dead_letters (
      id bigserial PRIMARY KEY,
      projection text NOT NULL,
      commit_pos numeric NOT NULL,
      prepare_pos numeric NOT NULL,
      stream_id text NOT NULL,
      log_event_id text NOT NULL,
      event_type text NOT NULL,
      workspace_id text,
      event_id text,
      error text NOT NULL,
      sqlstate text,
      failures integer NOT NULL DEFAULT 1,
      first_failed_at timestamptz NOT NULL DEFAULT now(),
      last_failed_at timestamptz NOT NULL DEFAULT now(),
      resolved_at timestamptz NULL,
      UNIQUE (projection, commit_pos, prepare_pos))`);
    await q.query(`CREATE INDEX ON public.projection_dead_letters (id) WHERE resolved_at IS NULL`);
    await q.query(`CREATE TABLE public.projector_stalls (
      projection text PRIMARY KEY,
      commit_pos numeric NOT NULL,
      prepare_pos numeric NOT NULL,
      error text NOT NULL,
      sqlstate text,
      attempts integer NOT NULL,
      since timestamptz NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now())`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE public.projector_stalls`);
    await q.query(`DROP TABLE public.projection_dead_letters`);
  }
}
