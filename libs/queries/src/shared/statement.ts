import { createHash } from 'node:crypto';
import type { Pool, QueryResultRow } from 'pg';

/**
 * A read of the read model, prepared once per pooled connection under a name derived from its text.
 * Planning the views' SQL (lateral unions, grouping sets) took 1–3 ms, more than running it. A named
 * statement is parsed once per connection, and the pool's connections use its generic plan from the first
 * execution on (`plan_cache_mode`, set in the database module; ADR 0010). So the text never filters on
 * `$n IS NULL OR …`, which would make the generic plan a scan: an optional filter is a second statement.
 *
 * A blue/green swap renames schemas, which invalidates every cached plan; the next execution resolves
 * `read_model.*` again, so it reads the new tables.
 */
export class Statement {
  readonly name: string;

  constructor(readonly text: string) {
    this.name = `ledger_read_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
  }

  async rows<R extends QueryResultRow>(pool: Pool, values: readonly unknown[]): Promise<R[]> {
    return (await pool.query<R>({ name: this.name, text: this.text, values: values as unknown[] })).rows;
  }
}

/** An optional filter: a condition with `$?` for each of its values, or a falsy value when it does not apply. */
export type Filter = false | undefined | readonly [condition: string, ...values: unknown[]];

/**
 * Statements that differ only in which optional filters apply: one prepared statement per combination.
 * `template` numbers its own parameters `$1…$n` (the `base` values); the filters' `$?` follow them.
 */
export class Statements {
  private readonly byWhere = new Map<string, Statement>();

  constructor(private readonly template: (where: string) => string) {}

  rows<R extends QueryResultRow>(pool: Pool, base: readonly unknown[], filters: readonly Filter[]): Promise<R[]> {
    const values = [...base];
    const conditions: string[] = [];
    for (const filter of filters) {
      if (!filter) continue;
      const [condition, ...own] = filter;
      let next = 0;
      conditions.push(condition.replace(/\$\?/g, () => `$${values.push(own[next++])}`));
    }
    const where = conditions.length ? conditions.join(' AND ') : 'true';
    let statement = this.byWhere.get(where);
    if (!statement) this.byWhere.set(where, (statement = new Statement(this.template(where))));
    return statement.rows<R>(pool, values);
  }
}
