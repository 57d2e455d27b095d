import { READ_MODEL_SCHEMA } from '@ledger/database';
import { ConflictError, NotFoundError } from '@ledger/http';
import type { Pool } from 'pg';
import { Statements } from './statement';

/** Above every character that can follow a prefix, in the ids' byte order (`COLLATE "C"`). */
const AFTER_ALL = '\u{10FFFF}';
const SHOWN = 10;

/** Where the ids of one kind live: the table, its id column, and the entity's name for messages. */
export interface IdTable {
  readonly table: 'session_costs' | 'execution_index';
  readonly column: 'session_id' | 'execution_id';
  readonly entity: 'Session' | 'Execution';
}

export const SESSION_IDS: IdTable = { table: 'session_costs', column: 'session_id', entity: 'Session' };
export const EXECUTION_IDS: IdTable = { table: 'execution_index', column: 'execution_id', entity: 'Execution' };

/**
 * The ids in `[$1, $2)`, the range of ids that start with a prefix, under the filter `where`. A range, not
 * `LIKE $1 || '%'`: the pooled connections run generic plans (ADR 0010), in which a LIKE on a parameter cannot
 * use an index, while a range uses the primary key, whose ids sort bytewise (`COLLATE "C"`).
 */
export const candidatesSql = (ids: IdTable) => (where: string) =>
  `SELECT DISTINCT ${ids.column} AS id FROM ${READ_MODEL_SCHEMA}.${ids.table}
   WHERE ${ids.column} >= $1 AND ${ids.column} < $2 AND ${where}
   ORDER BY 1 LIMIT ${SHOWN + 1}`;

const statements = new Map<IdTable, Statements>();
const candidatesOf = (ids: IdTable) => {
  let s = statements.get(ids);
  if (!s) statements.set(ids, (s = new Statements(candidatesSql(ids))));
  return s;
};

/**
 * The full id a shortened one stands for, as Syntropic137 resolves them (its tables show 12 characters):
 * the one id that starts with `prefix` in the caller's workspace (in any workspace for the admin key
 * without one). None answers 404; several answer 409 naming them. Callers try the exact id first.
 */
export async function resolveIdPrefix(pool: Pool, ids: IdTable, scope: string | undefined, prefix: string): Promise<string> {
  const rows = await candidatesOf(ids).rows<{ id: string }>(pool, [prefix, prefix + AFTER_ALL], [scope !== undefined && ['workspace_id = $?', scope]]);
  if (rows.length === 1) return rows[0].id;
  if (!rows.length) throw new NotFoundError(ids.entity, ids.column);
  const shown = rows.slice(0, SHOWN).map((r) => r.id);
  const count = rows.length > SHOWN ? `more than ${SHOWN}` : String(rows.length);
  throw new ConflictError(
    `Ambiguous ${ids.entity.toLowerCase()} ID '${prefix}' matches ${count} ${ids.entity.toLowerCase()}s: ${shown.join(', ')}. Provide a longer prefix to disambiguate.`,
  );
}
