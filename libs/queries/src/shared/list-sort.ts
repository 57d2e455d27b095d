import { unstorableText, ValidationError } from '@ledger/http';

/**
 * The orders the `/costs` lists offer through `sort=`: a leading `-` is descending. `-started_at` (newest first)
 * is the seed's order and the default; the others are extensions. Ties go by `(workspace_id, id)` in the same direction.
 */
export const LIST_SORTS = ['-started_at', 'started_at', '-total_cost_usd', 'total_cost_usd'] as const;
export type ListSort = (typeof LIST_SORTS)[number];
export const DEFAULT_LIST_SORT = '-started_at' satisfies ListSort;
export type OtherListSort = Exclude<ListSort, typeof DEFAULT_LIST_SORT>;

export const SORT_DESCRIPTION =
  'Extension: the order, `-` for descending: by start (`-started_at`, newest first, the default) or by total cost (`-total_cost_usd`, costliest first); ties by workspace and id. A cursor pages only the sort it came from.';

/** A keyset cursor of a sorted page: the sort it belongs to, then the last row's sort value, workspace and id. */
export type SortedKey = readonly [sort: OtherListSort, value: string, workspaceId: string, id: string];

export const encodeSortedCursor = (key: SortedKey) => Buffer.from(JSON.stringify(key)).toString('base64url');

/** A cursor of another sort (or of the default order, which names none) would continue a different list: it is refused, never misread. */
export function decodeSortedCursor(cursor: string | undefined, sort: OtherListSort): SortedKey | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const [named, value] = key;
    const valid =
      key.length === 4 &&
      key.every((v) => typeof v === 'string') &&
      named === sort &&
      (sort.endsWith('started_at') ? !Number.isNaN(Date.parse(value as string)) : /^-?\d{1,30}(\.\d{1,30})?$/.test(value as string)) &&
      unstorableText(key as string[]).length === 0;
    if (valid) return key as unknown as SortedKey;
  } catch {
    // falls through to the validation error
  }
  throw new ValidationError([
    { field: 'cursor', location: 'query', message: `cursor is not one this service issued for sort=${sort}; take it from the Link header of that sort` },
  ]);
}

/** How a sort reads its keyset: the sort column, its cast, and the comparison that continues after a cursor. */
export const SORT_KEYS = {
  started_at: { column: 'started_at', cast: 'timestamptz', after: '>' },
  '-total_cost_usd': { column: 'total_cost', cast: 'numeric', after: '<' },
  total_cost_usd: { column: 'total_cost', cast: 'numeric', after: '>' },
} as const satisfies Record<OtherListSort, unknown>;
