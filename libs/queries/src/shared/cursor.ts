import { unstorableText, ValidationError } from '@ledger/http';

/** A keyset cursor: the sort key of the last row of a page, opaque to clients. */
export interface PageKey {
  readonly startedAt: string;
  readonly workspaceId: string;
  readonly id: string;
}

export function encodeCursor(key: PageKey): string {
  return Buffer.from(JSON.stringify([key.startedAt, key.workspaceId, key.id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): PageKey | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [startedAt, workspaceId, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as string[];
    const key = [startedAt, workspaceId, id];
    // A forged cursor can carry what PostgreSQL cannot store (a NUL), which would reach its query as a 500.
    if (key.every((v) => typeof v === 'string') && !Number.isNaN(Date.parse(startedAt)) && unstorableText(key).length === 0) {
      return { startedAt, workspaceId, id };
    }
  } catch {
    // falls through to the validation error
  }
  throw new ValidationError([{ field: 'cursor', location: 'query', message: 'cursor is not one this service issued; take it from the Link header' }]);
}
