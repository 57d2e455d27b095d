import { ConflictError } from '@ledger/http';
import type { Pool } from 'pg';
import { Statement } from './statement';

/** Workspaces are listed in a conflict up to this many. */
const NAMED = 10;

/**
 * The workspaces holding an id, for a detail route read by the admin key without `workspace_id`:
 * `statement` takes the id as $1 and the limit as $2 and answers `workspace_id`s in order.
 */
export const workspacesHolding = (table: string, idColumn: string) =>
  new Statement(`SELECT DISTINCT workspace_id FROM ${table} WHERE ${idColumn} = $1 ORDER BY workspace_id LIMIT $2`);

/**
 * The one workspace a detail route reads: the scope when there is one; else, for the admin key without
 * `workspace_id`, the only workspace holding the id (undefined when none does). An id held by several
 * workspaces is a conflict naming them: the admin key must choose with `workspace_id`, never silently get one.
 */
export async function soleWorkspace(
  pool: Pool,
  scope: string | undefined,
  holding: Statement,
  id: string,
  resource: string,
): Promise<string | undefined> {
  if (scope !== undefined) return scope;
  const rows = await holding.rows<{ workspace_id: string }>(pool, [id, NAMED + 1]);
  if (rows.length <= 1) return rows[0]?.workspace_id;
  const named = rows.slice(0, NAMED).map((r) => r.workspace_id);
  const more = rows.length > NAMED ? ' and more' : '';
  throw new ConflictError(`${resource} ${id} exists in workspaces ${named.join(', ')}${more}; pass workspace_id to choose one`, [
    { field: 'workspace_id', location: 'query', message: `one of ${named.join(', ')}${more}`, workspaces: named },
  ]);
}
