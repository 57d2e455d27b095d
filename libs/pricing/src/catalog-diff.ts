import Big from 'big.js';
import { catalogFileHash, CatalogFile } from './catalog-file';
import type { CatalogProvider } from './model-resolution';
import type { PriceRow } from './price-catalog';
import type { CatalogState, PricingEvent } from './pricing-events';

export type CatalogImportedData = Extract<PricingEvent, { type: 'CatalogImported' }>['data'];

/** One value of a row that an import changes, by its path in the row (`rates.input`, `tiers[200000].rates.output`). */
export interface RowDifference {
  readonly field: string;
  /** Absent: the row did not have it (or will not have it). */
  readonly before?: unknown;
  readonly after?: unknown;
}

/** What importing a catalog file would change, for people: rows by (model, effective_from), providers by id. */
export interface CatalogDiff {
  readonly added: readonly PriceRow[];
  readonly changed: readonly { readonly before: PriceRow; readonly after: PriceRow; readonly differences: readonly RowDifference[] }[];
  readonly removed: readonly PriceRow[];
  readonly providers: {
    readonly added: readonly string[];
    readonly removed: readonly string[];
    /** Any field, a rule, or the models' order (the first match wins). */
    readonly changed: readonly string[];
    /** The providers the file and the catalog both have are in another order (a call naming no provider goes to the first that claims it). */
    readonly reordered: boolean;
  };
}

const instant = (iso: string) => new Date(iso).toISOString();
const rowKey = (r: { model: string; effective_from: string }) => `${r.model}\u0000${Date.parse(r.effective_from)}`;
const decimal = (v: string) => new Big(v).toFixed();
const decimals = (o: Readonly<Record<string, string | undefined>> | undefined) =>
  o && Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, decimal(v!)]));

/**
 * A row as compared: instants as instants, decimals by value ('3.00' is '3'), aliases as a set, tiers by
 * threshold, absent and empty alike. Two rows that price every call the same way compare equal.
 */
function flatten(row: PriceRow): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const put = (field: string, value: unknown) => {
    if (value !== undefined && value !== null) out.set(field, value);
  };
  put('provider', row.provider);
  if (row.aliases?.length) put('aliases', [...new Set(row.aliases)].sort().join(', '));
  put('effective_to', row.effective_to ? instant(row.effective_to) : undefined);
  for (const [k, v] of Object.entries(decimals(row.rates as Readonly<Record<string, string>>) ?? {})) put(`rates.${k}`, v);
  for (const t of row.tiers ?? []) {
    for (const [k, v] of Object.entries(decimals(t.rates as Readonly<Record<string, string>>) ?? {})) put(`tiers[${t.above_prompt_tokens}].rates.${k}`, v);
  }
  for (const [field, values] of Object.entries(row.modifiers ?? {})) {
    for (const [value, k] of Object.entries(decimals(values) ?? {})) put(`modifiers.${field}.${value}`, k);
  }
  return out;
}

/** The values two versions of a row (same model and effective_from) differ in; empty: they are the same price. */
export function rowDifferences(before: PriceRow, after: PriceRow): RowDifference[] {
  const [b, a] = [flatten(before), flatten(after)];
  const fields = [...new Set([...b.keys(), ...a.keys()])];
  return fields
    .filter((f) => b.get(f) !== a.get(f))
    .map((field) => ({ field, ...(b.has(field) ? { before: b.get(field) } : {}), ...(a.has(field) ? { after: a.get(field) } : {}) }));
}

/** A provider as compared: its JSON with keys in a fixed order (its models' order is meaningful: the first match wins). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const byModel = (a: PriceRow, b: PriceRow) => a.model.localeCompare(b.model) || Date.parse(a.effective_from) - Date.parse(b.effective_from);

/** A file's row as recorded: its instants normalised as every other admin change records them. */
function recorded(row: PriceRow): PriceRow {
  const { effective_to, ...rest } = row;
  return { ...rest, effective_from: instant(row.effective_from), ...(effective_to ? { effective_to: instant(effective_to) } : {}) };
}

/**
 * What importing `file` into the catalog `state` records (the `CatalogImported` event's data, without a reason)
 * and what it changes. Rows are keyed by model and effective_from (as an instant). The file's rows that are new
 * or price differently are set; the provider-qualified rows of the state that the file no longer has are removed.
 * The operator's own rows (no provider) are never removed; one that a file row would replace shows as changed.
 */
export function diffCatalog(state: CatalogState, file: CatalogFile): { event: CatalogImportedData; diff: CatalogDiff } {
  const current = new Map(state.models.map((r) => [rowKey(r), r]));
  const inFile = new Set(file.rows.map(rowKey));
  const added: PriceRow[] = [];
  const changed: { before: PriceRow; after: PriceRow; differences: RowDifference[] }[] = [];
  for (const row of file.rows.map(recorded)) {
    const before = current.get(rowKey(row));
    if (!before) added.push(row);
    else {
      const differences = rowDifferences(before, row);
      if (differences.length) changed.push({ before, after: row, differences });
    }
  }
  const removed = state.models.filter((r) => r.provider !== undefined && r.provider !== null && !inFile.has(rowKey(r)));

  const was = new Map<string, CatalogProvider>((state.providers ?? []).map((p) => [p.id, p]));
  const is = new Map<string, CatalogProvider>(file.providers.map((p) => [p.id, p]));
  const sorted = (ids: Iterable<string>) => [...ids].sort();
  const providers = {
    added: sorted([...is.keys()].filter((id) => !was.has(id))),
    removed: sorted([...was.keys()].filter((id) => !is.has(id))),
    changed: sorted([...is.keys()].filter((id) => was.has(id) && canonical(was.get(id)) !== canonical(is.get(id)))),
    reordered: canonical([...was.keys()].filter((id) => is.has(id))) !== canonical([...is.keys()].filter((id) => was.has(id))),
  };

  added.sort(byModel);
  changed.sort((a, b) => byModel(a.after, b.after));
  removed.sort(byModel);
  return {
    event: {
      source: file.source,
      sha256: catalogFileHash(file),
      providers: file.providers,
      set: [...added, ...changed.map((c) => c.after)],
      removed: removed.map((r) => ({ model: r.model, effective_from: r.effective_from })),
    },
    diff: { added, changed, removed, providers },
  };
}

/** True when an import would change nothing the catalog prices or records: no row, no provider, the same source. */
export function importChangesNothing(state: CatalogState, { event, diff }: ReturnType<typeof diffCatalog>): boolean {
  const s = state.source;
  return (
    event.set.length === 0 &&
    event.removed.length === 0 &&
    diff.providers.added.length + diff.providers.removed.length + diff.providers.changed.length === 0 &&
    !diff.providers.reordered &&
    s !== undefined &&
    s.name === event.source.name &&
    s.version === event.source.version &&
    s.sha256 === event.source.sha256
  );
}
