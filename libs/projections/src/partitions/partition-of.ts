import { createHash } from 'node:crypto';

/** LEDGER_PROJECTION_PARTITIONS' default: enough for a handful of projector processes, few enough that each partition is busy. */
export const DEFAULT_PARTITIONS = 8;

/**
 * The partition a workspace's events are projected in: the first 32 bits of md5(workspace_id), unsigned, modulo
 * `partitions`. Every event of a workspace lands in one partition, so a workspace's events (and its sessions')
 * are applied in log order by one projector at a time. `partitionOfSql` computes the same in PostgreSQL.
 */
export function partitionOf(workspaceId: string, partitions: number): number {
  if (partitions === 1) return 0;
  return createHash('md5').update(workspaceId, 'utf8').digest().readUInt32BE(0) % partitions;
}

/**
 * `partitionOf` in SQL, for the text expression `workspace`. bit(32) cast to bigint is unsigned (only a cast
 * to a type of the same width takes the top bit as a sign), which the partition spec holds against Node's.
 * `partitions` is a count, or an SQL expression of one.
 */
export const partitionOfSql = (workspace: string, partitions: number | string): string =>
  partitions === 1 ? '0' : `(('x' || left(md5(${workspace}), 8))::bit(32)::bigint % ${typeof partitions === 'number' ? Math.trunc(partitions) : partitions})::int`;

/** Every partition of a deployment of `partitions`. */
export const allPartitions = (partitions: number): number[] => Array.from({ length: partitions }, (_, p) => p);
