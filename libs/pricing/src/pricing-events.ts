import type { PriceRow, PriceTier, WorkspacePriceRow } from './price-catalog';
import type { PriceModifiers, UsageRates } from './price-dimensions';
import type { CatalogSource } from './catalog-file';
import type { CatalogProvider } from './model-resolution';

/** The catalog's own stream. Its revision + 1 is the catalog version. */
export const PRICING_STREAM = 'pricing-catalog';

/**
 * A compute price for a tool: what a `ToolCalled` costs when the runtime does
 * not report `compute_cost_usd`. `per_second_usd` applies to `duration_ms`.
 */
export interface ToolPriceRow {
  readonly tool: string;
  readonly effective_from: string;
  readonly effective_to?: string | null;
  readonly per_call_usd: string;
  readonly per_second_usd: string;
}

/** Stored event contracts of the pricing stream. */
export type PricingEvent =
  | { readonly type: 'PriceSet'; readonly data: PriceRow & { readonly reason?: string } }
  | { readonly type: 'PriceRemoved'; readonly data: { readonly model: string; readonly effective_from: string; readonly reason?: string } }
  | { readonly type: 'ToolPriceSet'; readonly data: ToolPriceRow & { readonly reason?: string } }
  | { readonly type: 'ToolPriceRemoved'; readonly data: { readonly tool: string; readonly effective_from: string; readonly reason?: string } }
  | { readonly type: 'WorkspacePriceSet'; readonly data: WorkspacePriceRow & { readonly reason?: string } }
  | {
      // A whole catalog file at once, one version: its providers replace the catalog's, its rows are set and the
      // provider-qualified rows it no longer has are removed. Rows without a provider (the operator's) stay.
      readonly type: 'CatalogImported';
      readonly data: {
        readonly source: CatalogSource;
        readonly sha256: string;
        readonly providers: readonly CatalogProvider[];
        readonly set: readonly PriceRow[];
        readonly removed: readonly { readonly model: string; readonly effective_from: string }[];
        readonly reason?: string;
      };
    }
  | {
      readonly type: 'WorkspacePriceRemoved';
      readonly data: { readonly workspace_id: string; readonly model: string; readonly effective_from: string; readonly reason?: string };
    };

/** The catalog as a fold of the pricing stream. */
export interface CatalogState {
  /** Number of pricing events folded: the catalog version. */
  readonly version: number;
  readonly models: readonly PriceRow[];
  readonly tools: readonly ToolPriceRow[];
  /** Negotiated prices, per workspace. */
  readonly overrides: readonly WorkspacePriceRow[];
  /** The providers and their models' match rules, as the last imported file had them. */
  readonly providers?: readonly CatalogProvider[];
  /** The last imported file's source and hash. */
  readonly source?: CatalogSource & { readonly catalog_sha256: string; readonly catalog_version: number };
}

export const EMPTY_CATALOG_STATE: CatalogState = { version: 0, models: [], tools: [], overrides: [], providers: [] };
const rowKey = (r: { model: string; effective_from: string }) => `${r.model}\u0000${Date.parse(r.effective_from)}`;

const sameInstant = (a: string, b: string) => Date.parse(a) === Date.parse(b);
const sameOverride = (a: WorkspacePriceRow, b: { workspace_id: string; model: string; effective_from: string }) =>
  a.workspace_id === b.workspace_id && a.model === b.model && sameInstant(a.effective_from, b.effective_from);

function withoutReason<T extends { reason?: string }>(data: T): Omit<T, 'reason'> {
  const { reason: _reason, ...row } = data;
  return row;
}

/** Setting a row replaces the row of the same model (or tool) and effective_from. */
export function evolveCatalog(state: CatalogState, event: PricingEvent): CatalogState {
  const version = state.version + 1;
  switch (event.type) {
    case 'PriceSet': {
      const row = withoutReason(event.data) as PriceRow;
      const others = state.models.filter((r) => !(r.model === row.model && sameInstant(r.effective_from, row.effective_from)));
      return { ...state, version, models: [...others, row] };
    }
    case 'PriceRemoved':
      return {
        ...state,
        version,
        models: state.models.filter((r) => !(r.model === event.data.model && sameInstant(r.effective_from, event.data.effective_from))),
      };
    case 'ToolPriceSet': {
      const row = withoutReason(event.data) as ToolPriceRow;
      const others = state.tools.filter((r) => !(r.tool === row.tool && sameInstant(r.effective_from, row.effective_from)));
      return { ...state, version, tools: [...others, row] };
    }
    case 'WorkspacePriceSet': {
      const row = withoutReason(event.data) as WorkspacePriceRow;
      const others = (state.overrides ?? []).filter((r) => !sameOverride(r, row));
      return { ...state, version, overrides: [...others, row] };
    }
    case 'CatalogImported': {
      const gone = new Set([...event.data.removed, ...event.data.set].map(rowKey));
      return {
        ...state,
        version,
        models: [...state.models.filter((r) => !gone.has(rowKey(r))), ...event.data.set],
        providers: event.data.providers,
        source: { ...event.data.source, catalog_sha256: event.data.sha256, catalog_version: version },
      };
    }
    case 'WorkspacePriceRemoved':
      return { ...state, version, overrides: (state.overrides ?? []).filter((r) => !sameOverride(r, event.data)) };
    case 'ToolPriceRemoved':
      return {
        ...state,
        version,
        tools: state.tools.filter((r) => !(r.tool === event.data.tool && sameInstant(r.effective_from, event.data.effective_from))),
      };
  }
}

export type { PriceModifiers, PriceRow, PriceTier, UsageRates, WorkspacePriceRow };
