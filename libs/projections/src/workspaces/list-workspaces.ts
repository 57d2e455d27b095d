import { READ_MODEL_SCHEMA } from '@ledger/database';
import { unstorableText, ValidationError } from '@ledger/http';
import type { Pool } from 'pg';

/** A workspace as the admin sees it: one that recorded usage, or holds a key, or both. */
export interface WorkspaceSummary {
  workspace_id: string;
  /** Its earliest session's start; null when it recorded no usage. */
  first_seen: string | null;
  /** Its latest event; null when it recorded no usage. */
  last_seen: string | null;
  sessions: number;
  /** Keys not revoked. */
  keys: number;
  revoked_keys: number;
}

export interface WorkspacePage {
  workspaces: WorkspaceSummary[];
  next_cursor: string | null;
}

/** Keyset position: the row's activity (`-infinity` for none, so keys-only workspaces come last) and its id. */
type WorkspaceKey = readonly [lastSeen: string, workspaceId: string];

const encode = (key: WorkspaceKey) => Buffer.from(JSON.stringify(key)).toString('base64url');

function decode(cursor: string | undefined): WorkspaceKey | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const [lastSeen, id] = key;
    if (
      key.length === 2 && typeof lastSeen === 'string' && typeof id === 'string' &&
      (lastSeen === '-infinity' || !Number.isNaN(Date.parse(lastSeen))) && unstorableText([lastSeen, id]).length === 0
    ) {
      return [lastSeen, id];
    }
  } catch {
    // falls through to the validation error
  }
  throw new ValidationError([{ field: 'cursor', location: 'query', message: 'cursor is not one this service issued; take it from next_cursor' }]);
}

/**
 * Usage per workspace from its session rows, keys from `api_keys`, joined on the id: a workspace that only
 * holds keys is listed (to issue its first usage), and one whose keys were all revoked still shows its usage.
 */
const workspacesSql = (after: boolean) => `
WITH usage AS (
  SELECT workspace_id, min(started_at) AS first_seen, max(GREATEST(last_event_at, completed_at)) AS last_seen, count(*)::int AS sessions
  FROM ${READ_MODEL_SCHEMA}.session_costs GROUP BY workspace_id),
keys AS (
  SELECT workspace_id, count(*) FILTER (WHERE revoked_at IS NULL)::int AS keys, count(*) FILTER (WHERE revoked_at IS NOT NULL)::int AS revoked_keys
  FROM api_keys GROUP BY workspace_id),
w AS (
  SELECT COALESCE(u.workspace_id, k.workspace_id) AS workspace_id, u.first_seen, u.last_seen, COALESCE(u.sessions, 0) AS sessions,
    COALESCE(k.keys, 0) AS keys, COALESCE(k.revoked_keys, 0) AS revoked_keys, COALESCE(u.last_seen, '-infinity') AS activity
  FROM usage u FULL JOIN keys k ON k.workspace_id = u.workspace_id)
SELECT workspace_id, first_seen, last_seen, sessions, keys, revoked_keys,
  CASE WHEN last_seen IS NULL THEN '-infinity' ELSE to_char(activity AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END AS cursor_activity
FROM w
${after ? 'WHERE activity < $2::timestamptz OR (activity = $2::timestamptz AND workspace_id > $3)' : ''}
ORDER BY activity DESC, workspace_id
LIMIT $1`;

type Row = Omit<WorkspaceSummary, 'first_seen' | 'last_seen'> & { first_seen: Date | null; last_seen: Date | null; cursor_activity: string };

/** Every workspace, most recently active first (then by id), a page at a time. */
export async function listWorkspaces(pool: Pool, limit: number, cursor: string | undefined): Promise<WorkspacePage> {
  const after = decode(cursor);
  const { rows } = await pool.query<Row>(workspacesSql(after !== undefined), after ? [limit + 1, after[0], after[1]] : [limit + 1]);
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return {
    workspaces: rows.slice(0, limit).map((r) => ({
      workspace_id: r.workspace_id,
      first_seen: r.first_seen?.toISOString() ?? null,
      last_seen: r.last_seen?.toISOString() ?? null,
      sessions: r.sessions,
      keys: r.keys,
      revoked_keys: r.revoked_keys,
    })),
    next_cursor: last ? encode([last.cursor_activity, last.workspace_id]) : null,
  };
}
