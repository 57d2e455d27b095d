import { comparePositions, LOG_START, LogPosition } from '@ledger/event-store';
import type { SqlRunner } from '@ledger/pricing';
import { allPartitions, partitionOfSql } from './partition-of';

/** The projection whose state `projection_state` holds. */
const PROJECTION = 'costs';

/**
 * The projection gate, an advisory lock every batch takes shared for its transaction, and what must not run
 * beside any batch takes exclusive: a rebuild's swap (no batch may write into the schema it retires, nor run
 * half before and half after it) and a catalog adoption (no batch may be summed at prices the schema then
 * leaves). In the lock manager only: batches of many processes share it without writing anything.
 */
export const PROJECTION_GATE_KEY = 7231005n;

/** What the whole schema shares (one row, written only when it moves). */
export interface ProjectionState {
  /** The catalog version the schema is priced with, throughout (ADR 0013). */
  readonly pricingVersion: number;
  readonly partitions: number;
  /** Moved by every swap: a projector that saw another one starts over from the checkpoints it finds. */
  readonly generation: string;
}

export interface PartitionCheckpoint {
  readonly partition: number;
  readonly position: LogPosition;
  readonly eventsApplied: number;
  readonly updatedAt: Date;
}

/** What a batch moves: a partition's checkpoint to `position`, with `events` more applied. */
export interface PartitionAdvance {
  readonly partition: number;
  readonly position: LogPosition;
  readonly events: number;
}

/** A batch found the schema's checkpoints other than it left them: a swap, or another holder of one of its partitions. */
export class PartitionsMoved extends Error {}

/** This process counts partitions otherwise than the read model it projects into. */
export class PartitionCountMismatch extends Error {
  constructor(
    readonly configured: number,
    readonly stored: number,
  ) {
    super(
      `LEDGER_PROJECTION_PARTITIONS is ${configured} here, and the read model is split into ${stored} partitions: ` +
        'every projector process of a deployment must use the same value (ADR 0026); this process does not project until it does',
    );
  }
}

const position = (r: { commit_pos: string; prepare_pos: string }): LogPosition => ({ commit: BigInt(r.commit_pos), prepare: BigInt(r.prepare_pos) });

export async function readProjectionState(db: SqlRunner, schema: string): Promise<ProjectionState | undefined> {
  const { rows } = await db.query<{ pricing_version: string; partitions: number; generation: string }>(
    `SELECT pricing_version::text, partitions, generation::text FROM ${schema}.projection_state WHERE projection = $1`,
    [PROJECTION],
  );
  return rows[0] && { pricingVersion: Number(rows[0].pricing_version), partitions: rows[0].partitions, generation: rows[0].generation };
}

/** Every partition's checkpoint, in partition order. */
export async function readPartitionCheckpoints(db: SqlRunner, schema: string): Promise<PartitionCheckpoint[]> {
  const { rows } = await db.query<{ partition: number; commit_pos: string; prepare_pos: string; events_applied: string; updated_at: Date }>(
    `SELECT partition, commit_pos::text, prepare_pos::text, events_applied::text, updated_at FROM ${schema}.partition_checkpoints ORDER BY partition`,
  );
  return rows.map((r) => ({ partition: r.partition, position: position(r), eventsApplied: Number(r.events_applied), updatedAt: r.updated_at }));
}

/** Each partition's position, indexed by partition (LOG_START for one without a row). */
export async function readPartitionPositions(db: SqlRunner, schema: string, partitions: number): Promise<LogPosition[]> {
  const rows = await readPartitionCheckpoints(db, schema);
  return allPartitions(partitions).map((p) => rows.find((r) => r.partition === p)?.position ?? LOG_START);
}

/**
 * Sets a schema's checkpoints: its state (priced with `pricingVersion`, `partitions` of them, the next
 * generation) and every partition at `at`. A bulk load's count, which it has for the whole log, is partition 0's.
 */
export async function writeCheckpoints(
  db: SqlRunner,
  schema: string,
  partitions: number,
  at: LogPosition | readonly LogPosition[],
  eventsApplied: number,
  pricingVersion: number,
): Promise<void> {
  const positions = Array.isArray(at) ? (at as readonly LogPosition[]) : allPartitions(partitions).map(() => at as LogPosition);
  await db.query(
    `INSERT INTO ${schema}.projection_state AS s (projection, pricing_version, partitions) VALUES ($1, $2, $3)
     ON CONFLICT (projection) DO UPDATE SET pricing_version = excluded.pricing_version, partitions = excluded.partitions, generation = s.generation + 1`,
    [PROJECTION, pricingVersion, partitions],
  );
  await db.query(`DELETE FROM ${schema}.partition_checkpoints`);
  await db.query(
    `INSERT INTO ${schema}.partition_checkpoints (partition, commit_pos, prepare_pos, events_applied)
     SELECT p - 1, c, pp, CASE WHEN p = 1 THEN $3::bigint ELSE 0 END FROM unnest($1::numeric[], $2::numeric[]) WITH ORDINALITY AS v(c, pp, p)`,
    [positions.map((p) => String(p.commit)), positions.map((p) => String(p.prepare)), eventsApplied],
  );
}

/**
 * The state of a schema no batch has written yet: priced with `pricingVersion`, `partitions` partitions, each at the
 * start of the log. Whoever comes first writes it (a projector's first adoption, under the gate).
 */
export async function initProjectionState(db: SqlRunner, schema: string, partitions: number, pricingVersion: number): Promise<void> {
  await db.query(`INSERT INTO ${schema}.projection_state (projection, pricing_version, partitions) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
    PROJECTION,
    pricingVersion,
    partitions,
  ]);
  await db.query(
    `INSERT INTO ${schema}.partition_checkpoints (partition, commit_pos, prepare_pos)
     SELECT p, 0, 0 FROM generate_series(0, $1::int - 1) p ON CONFLICT DO NOTHING`,
    [partitions],
  );
}

/** Sets the catalog version the schema is priced with; its price table changes in the same transaction. */
export async function setPricingVersion(db: SqlRunner, schema: string, version: number): Promise<void> {
  await db.query(`UPDATE ${schema}.projection_state SET pricing_version = $2 WHERE projection = $1`, [PROJECTION, version]);
}

export const takeGateShared = (db: SqlRunner) => db.query('SELECT pg_advisory_xact_lock_shared($1::bigint)', [String(PROJECTION_GATE_KEY)]);
export const takeGateExclusive = (db: SqlRunner) => db.query('SELECT pg_advisory_xact_lock($1::bigint)', [String(PROJECTION_GATE_KEY)]);

/**
 * A batch's first statements: takes the gate shared, then locks the checkpoint rows of the partitions it applies
 * and checks them against where it believes they are (`expected`, by partition) and the state's generation
 * against the one it started from. Answers the state, the schema's pricing version being fixed until the batch
 * commits. Throws PartitionsMoved when anything differs: the projector then starts over from what is stored.
 */
export async function beginPartitionBatch(
  db: SqlRunner,
  schema: string,
  partitions: number,
  expected: ReadonlyMap<number, LogPosition>,
  generation: string | undefined,
): Promise<ProjectionState> {
  // First and alone: names in any later statement resolve after a swap that was waited for, never before it.
  await takeGateShared(db);
  const { rows } = await db.query<{ partition: number; commit_pos: string; prepare_pos: string; pricing_version: string; partitions: number; generation: string }>(
    `SELECT c.partition, c.commit_pos::text, c.prepare_pos::text, s.pricing_version::text, s.partitions, s.generation::text
       FROM ${schema}.projection_state s JOIN ${schema}.partition_checkpoints c ON c.partition = ANY($2::int[])
      WHERE s.projection = $1 ORDER BY c.partition FOR UPDATE OF c`,
    [PROJECTION, [...expected.keys()]],
  );
  const stored = rows[0] ? { pricingVersion: Number(rows[0].pricing_version), partitions: rows[0].partitions, generation: rows[0].generation } : await readProjectionState(db, schema);
  if (!stored) throw new PartitionsMoved(`${schema} has no projection state`);
  if (stored.partitions !== partitions) throw new PartitionCountMismatch(partitions, stored.partitions);
  if (generation !== undefined && stored.generation !== generation) throw new PartitionsMoved(`${schema} was swapped (generation ${generation} -> ${stored.generation})`);
  if (rows.length !== expected.size) throw new PartitionsMoved(`${schema} lacks checkpoints of partitions ${[...expected.keys()].join(', ')}`);
  const state: ProjectionState = stored;
  for (const r of rows) {
    if (comparePositions(position(r), expected.get(r.partition)!) !== 0) throw new PartitionsMoved(`partition ${r.partition} of ${schema} moved under this projector`);
  }
  return state;
}

/**
 * Re-derives a schema's partitions for a new count, under the gate: each new partition starts at the least of
 * the old checkpoints, which is safe because a re-applied event is deduplicated by (workspace_id, event_id) and
 * only inserted facts are merged. The generation moves, so projectors of the old count stop at their next batch.
 * Answers whether anything changed.
 */
export async function repartition(db: SqlRunner, schema: string, partitions: number): Promise<{ from: number } | undefined> {
  await takeGateExclusive(db);
  const state = await readProjectionState(db, schema);
  if (!state || state.partitions === partitions) return undefined;
  const rows = await readPartitionCheckpoints(db, schema);
  const least = rows.map((r) => r.position).sort(comparePositions)[0] ?? LOG_START;
  const events = rows.reduce((n, r) => n + r.eventsApplied, 0);
  await writeCheckpoints(db, schema, partitions, least, events, state.pricingVersion);
  return { from: state.partitions };
}

/**
 * `(commit_pos, prepare_pos) <= bound` for facts of relation alias `f` (prefix `f.`, or '' for none), where the
 * bound is the position of the fact's partition in `positions` (indexed by partition). When every partition is at
 * one position, a plain comparison: no hash is computed.
 */
export function upToPartitionPositions(prefix: string, positions: readonly LogPosition[]): string {
  const pos = `(${prefix}commit_pos, ${prefix}prepare_pos)`;
  const [first] = positions;
  if (positions.every((p) => comparePositions(p, first) === 0)) return `${pos} <= (${first.commit}::numeric, ${first.prepare}::numeric)`;
  const at = `${partitionOfSql(`${prefix}workspace_id`, positions.length)} + 1`;
  const array = (part: 'commit' | 'prepare') => `('{${positions.map((p) => String(p[part])).join(',')}}'::numeric[])`;
  return `${pos} <= (${array('commit')}[${at}], ${array('prepare')}[${at}])`;
}

/** The least of `positions`. */
export const leastPosition = (positions: readonly LogPosition[]): LogPosition => [...positions].sort(comparePositions)[0] ?? LOG_START;
