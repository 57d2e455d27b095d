import { Inject, Injectable } from '@nestjs/common';
import { inTransaction, PG_POOL, READ_MODEL_SCHEMA } from '@ledger/database';
import { NotFoundError } from '@ledger/http';
import { catalogFromState, CatalogState, evolveCatalog, PriceCatalog, PricingCatalog, PricingEvent, resolveModel } from '@ledger/pricing';
import Big from 'big.js';
import type { Pool } from 'pg';
import { requestRebuild } from '../rebuild/rebuild-requests';
import { Impact, inScope, measureImpact, previewChange, PriceScope } from './pricing-impact';

export const PRICING_OPTIONS = Symbol('PRICING_OPTIONS');

export interface PricingOptions {
  /** Restate history automatically when a change touches recorded usage (LEDGER_AUTO_REBUILD). */
  readonly autoRebuild: boolean;
}

export interface ChangeResult {
  readonly catalog_version: number;
  readonly affected: Impact;
  readonly rebuild: { readonly state: 'queued' | 'not_needed' | 'disabled'; readonly id?: number };
}

const later = (a: string | null | undefined, b: string | null | undefined) => (!a || !b ? null : Date.parse(a) >= Date.parse(b) ? a : b);
const earlier = (a: string, b: string) => (Date.parse(a) <= Date.parse(b) ? a : b);
const same = (a: string, b: string) => Date.parse(a) === Date.parse(b);

/** The recorded usage a change can reprice: the changed row's range, widened by the row it replaces. */
export function scopesOf(event: PricingEvent, state: CatalogState): PriceScope[] {
  switch (event.type) {
    case 'PriceSet': {
      const old = state.models.find((r) => r.model === event.data.model && same(r.effective_from, event.data.effective_from));
      return [
        {
          kind: 'model',
          names: [...new Set([event.data.model, ...(event.data.aliases ?? []), ...(old?.aliases ?? [])])],
          from: old ? earlier(old.effective_from, event.data.effective_from) : event.data.effective_from,
          to: old ? later(old.effective_to, event.data.effective_to) : (event.data.effective_to ?? null),
        },
      ];
    }
    case 'PriceRemoved': {
      const old = state.models.find((r) => r.model === event.data.model && same(r.effective_from, event.data.effective_from));
      if (!old) throw new NotFoundError('Price', 'effective_from');
      return [{ kind: 'model', names: [old.model, ...(old.aliases ?? [])], from: old.effective_from, to: old.effective_to ?? null }];
    }
    case 'ToolPriceSet': {
      const old = state.tools.find((r) => r.tool === event.data.tool && same(r.effective_from, event.data.effective_from));
      return [{ kind: 'tool', names: [event.data.tool], from: event.data.effective_from, to: old ? later(old.effective_to, event.data.effective_to) : (event.data.effective_to ?? null) }];
    }
    case 'WorkspacePriceSet':
    case 'WorkspacePriceRemoved': {
      const { workspace_id, model, effective_from } = event.data;
      const old = (state.overrides ?? []).find((r) => r.workspace_id === workspace_id && r.model === model && same(r.effective_from, effective_from));
      if (event.type === 'WorkspacePriceRemoved' && !old) throw new NotFoundError('Workspace price', 'effective_from');
      const to = event.type === 'WorkspacePriceSet' ? (old ? later(old.effective_to, event.data.effective_to) : (event.data.effective_to ?? null)) : (old?.effective_to ?? null);
      // A model's override prices its aliases too; `*` prices every model.
      const names = model === '*' ? null : [...new Set([model, ...state.models.filter((r) => r.model === model).flatMap((r) => r.aliases ?? [])])];
      return [{ kind: 'model', names, workspaces: [workspace_id], from: effective_from, to }];
    }
    case 'ToolPriceRemoved': {
      const old = state.tools.find((r) => r.tool === event.data.tool && same(r.effective_from, event.data.effective_from));
      if (!old) throw new NotFoundError('Tool price', 'effective_from');
      return [{ kind: 'tool', names: [old.tool], from: old.effective_from, to: old.effective_to ?? null }];
    }
    case 'CatalogImported': {
      // Every model whose rows it sets or removes, whenever; names whose resolution it moves are in scope anyway (inScope).
      const names = [...new Set([...event.data.set, ...event.data.removed].map((r) => r.model))];
      return [{ kind: 'model', names, from: '-infinity', to: null }];
    }
  }
}

/**
 * A change names a model as usage does: one that resolves to a catalog model (`gpt-4o` → `openai/gpt-4o`) is
 * recorded against that model, so it prices every name that resolves to it, beside the imported rows (ADR 0022).
 */
export function onCatalogModel(event: PricingEvent, catalog: PriceCatalog): PricingEvent {
  if (event.type === 'CatalogImported' || !('model' in event.data) || event.data.model === '*') return event;
  const model = catalogModelNamed(catalog, event.data.model);
  return model === event.data.model ? event : ({ ...event, data: { ...event.data, model } } as PricingEvent);
}

/** The catalog model a name as usage sends it resolves to, if a provider's; else the name itself. */
function catalogModelNamed(catalog: PriceCatalog, name: string): string {
  const resolved = resolveModel(catalog, null, name);
  return resolved !== null && catalog.qualifiedModels.has(resolved) ? resolved : name;
}

/** What a change is called in the rebuild it queues. */
function changeName(event: PricingEvent): string {
  switch (event.type) {
    case 'CatalogImported':
      return `CatalogImported ${event.data.source.name}@${event.data.source.version}`;
    case 'WorkspacePriceSet':
    case 'WorkspacePriceRemoved':
      return `${event.type} ${event.data.model} for ${event.data.workspace_id} from ${event.data.effective_from}`;
    case 'PriceSet':
    case 'PriceRemoved':
      return `${event.type} ${event.data.model} from ${event.data.effective_from}`;
    case 'ToolPriceSet':
    case 'ToolPriceRemoved':
      return `${event.type} ${event.data.tool} from ${event.data.effective_from}`;
  }
}

/** Changes the catalog, measures what it touches, and queues the restatement. */
@Injectable()
export class PricingChanges {
  constructor(
    private readonly catalog: PricingCatalog,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PRICING_OPTIONS) private readonly options: PricingOptions,
  ) {}

  async apply(asked: PricingEvent, expectedVersion?: number): Promise<ChangeResult> {
    const before = await this.catalog.refresh();
    const event = onCatalogModel(asked, before);
    const state = this.catalog.rows;
    // Before the change is recorded: a removal of what does not exist is refused here.
    const scoped = scopesOf(event, state);
    const changed = await this.catalog.change(event, expectedVersion ?? state.version);
    // Measured under a share lock on the live checkpoint table: a batch being priced writes its checkpoint,
    // and holds that write until its commit (the very first batch too, which inserts the row), so its facts
    // are counted here, or it sees this change before committing and prices them again.
    const affected = await inTransaction(this.pool, async (client) => {
      await client.query(`LOCK TABLE ${READ_MODEL_SCHEMA}.checkpoint IN SHARE MODE`);
      return measureImpact(client, await inScope(client, scoped, before, changed));
    });
    if (affected.events === 0) return { catalog_version: changed.version, affected, rebuild: { state: 'not_needed' } };
    if (!this.options.autoRebuild) return { catalog_version: changed.version, affected, rebuild: { state: 'disabled' } };
    const id = await requestRebuild(this.pool, `${changeName(event)} (catalog version ${changed.version})`);
    return { catalog_version: changed.version, affected, rebuild: { state: 'queued', id } };
  }

  /** The same change, tried on a copy of the catalog: per workspace and model, before, after and delta. */
  async preview(asked: PricingEvent) {
    const before = await this.catalog.refresh();
    const event = onCatalogModel(asked, before);
    const state = this.catalog.rows;
    const candidate = catalogFromState(evolveCatalog(state, event));
    const scopes = await inScope(this.pool, scopesOf(event, state), before, candidate);
    const lines = await previewChange(this.pool, scopes, candidate);
    const sum = (k: 'before_usd' | 'after_usd' | 'delta_usd') => lines.reduce((acc, l) => acc.plus(l[k]), new Big(0)).toFixed();
    return {
      catalog_version: state.version,
      affected: await measureImpact(this.pool, scopes),
      totals: { before_usd: sum('before_usd'), after_usd: sum('after_usd'), delta_usd: sum('delta_usd') },
      lines,
    };
  }
}
