/** A page of a list view: its rows and the cursor of the next page, if any. */
export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

export const PRICING_VERSION_SQL = (schema: string) => `(SELECT pricing_version FROM ${schema}.checkpoint WHERE projection = 'costs')`;
