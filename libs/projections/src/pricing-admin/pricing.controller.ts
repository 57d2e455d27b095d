import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, SetMetadata } from '@nestjs/common';
import { AdminOnly } from '@ledger/auth';
import { ApiV1Errors, ConflictError, JsonBodyLimit, NotFoundError, toProblems, ValidationError } from '@ledger/http';
import Big from 'big.js';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  CatalogFile,
  CatalogState,
  diffCatalog,
  importChangesNothing,
  PRICE_MODIFIERS,
  PriceModifiers,
  PriceRow,
  PricingCatalog,
  PricingEvent,
  PriceTier,
  resolveModel,
  ToolPriceRow,
  USAGE_CLASSES,
  UsageRates,
  WorkspacePriceRow,
} from '@ledger/pricing';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { catalogFileProblems } from './catalog-file.validation';
import {
  CATALOG_IMPORT_BODY_LIMIT,
  CatalogImportBody,
  CatalogImportResponse,
  CatalogResponse,
  CatalogSourceResponse,
  ModelPriceBody,
  ModelPricesResponse,
  ModifiersBody,
  PreviewBody,
  PreviewResponse,
  PricingChangeResponse,
  ProvidersResponse,
  RatesBody,
  RemovePriceQuery,
  TierBody,
  ToolPriceBody,
  ToolPricesResponse,
  WorkspaceModelParams,
  WorkspaceParams,
  WorkspacePriceBody,
  WorkspacePricesResponse,
} from './pricing-admin.dto';
import { PricingChanges } from './pricing-changes.service';
import type { PreviewLine } from './pricing-impact';

/** The rates given, in USAGE_CLASSES order, as plain data. */
const ratesOf = (r: RatesBody): UsageRates =>
  Object.fromEntries(USAGE_CLASSES.filter((c) => r[c.key] !== undefined).map((c) => [c.key, r[c.key]])) as unknown as UsageRates;
const tiersOf = (tiers: readonly TierBody[] | undefined): PriceTier[] | undefined =>
  tiers?.map((t) => ({ above_prompt_tokens: t.above_prompt_tokens, rates: ratesOf(t.rates) }));
/** The multipliers given, by PRICE_MODIFIERS, as plain data; none given is no modifiers. */
function modifiersOf(body: ModifiersBody | undefined): PriceModifiers | undefined {
  const given = PRICE_MODIFIERS.filter((m) => body?.[m.field] !== undefined).map((m) => [
    m.field,
    Object.fromEntries(Object.entries(body![m.field]!).filter(([, k]) => k !== undefined)),
  ]);
  return given.length ? (Object.fromEntries(given) as PriceModifiers) : undefined;
}
const instant = (iso: string) => new Date(iso).toISOString();

const modelPriceSet = (model: string, b: ModelPriceBody): PricingEvent => ({
  type: 'PriceSet',
  data: {
    model,
    aliases: b.aliases,
    effective_from: instant(b.effective_from),
    effective_to: b.effective_to ? instant(b.effective_to) : null,
    rates: ratesOf(b.rates),
    tiers: tiersOf(b.tiers),
    modifiers: modifiersOf(b.modifiers),
    reason: b.reason,
  },
});

const workspacePriceSet = (workspace_id: string, model: string, b: WorkspacePriceBody): PricingEvent => ({
  type: 'WorkspacePriceSet',
  data: {
    workspace_id,
    model,
    effective_from: instant(b.effective_from),
    effective_to: b.effective_to ? instant(b.effective_to) : null,
    ...(b.rates ? { rates: ratesOf(b.rates), tiers: tiersOf(b.tiers), modifiers: modifiersOf(b.modifiers) } : { multiplier: b.multiplier }),
    reason: b.reason,
  },
});

const toolPriceSet = (tool: string, b: ToolPriceBody): PricingEvent => ({
  type: 'ToolPriceSet',
  data: {
    tool,
    effective_from: new Date(b.effective_from).toISOString(),
    effective_to: b.effective_to ? new Date(b.effective_to).toISOString() : null,
    per_call_usd: b.per_call_usd ?? '0',
    per_second_usd: b.per_second_usd ?? '0',
    reason: b.reason,
  },
});

/** By name, then oldest effective_from first. */
const byName = <T extends { effective_from: string }>(key: (r: T) => string) => (a: T, b: T) =>
  key(a).localeCompare(key(b)) || Date.parse(a.effective_from) - Date.parse(b.effective_from);
const sortedModels = (rows: readonly PriceRow[]) => [...rows].sort(byName((r) => r.model));
/** Rows as the model routes list them: an open end is null, whether a row was set with one or imported without. */
const listedModels = (rows: readonly PriceRow[]) => sortedModels(rows).map((r) => ({ ...r, effective_to: r.effective_to ?? null }));
const sortedTools = (rows: readonly ToolPriceRow[]) => [...rows].sort(byName((r) => r.tool));
const sortedOverrides = (rows: readonly WorkspacePriceRow[]) => [...rows].sort(byName((r) => r.model));
const MODEL_CHANGES = new Set(['PriceSet', 'PriceRemoved']);

type Change = Awaited<ReturnType<PricingCatalog['history']>>[number];
type Imported = Extract<PricingEvent, { type: 'CatalogImported' }>['data'];
/** An import in a history: its source and how many rows it set and removed (the rows are in the catalog). */
const importSummary = (c: Change): Change => {
  const { source, sha256, reason, set, removed } = c.data as unknown as Imported;
  return { ...c, data: { source, sha256, reason, set: set.length, removed: removed.length } };
};
/** An import in one model's history, if it set or removed that model's rows: with those rows only. */
const importOf = (c: Change, names: ReadonlySet<string>): Change[] => {
  const { source, sha256, reason, set, removed } = c.data as unknown as Imported;
  const own = { set: set.filter((r) => names.has(r.model)), removed: removed.filter((r) => names.has(r.model)) };
  return own.set.length || own.removed.length ? [{ ...c, data: { source, sha256, reason, ...own } }] : [];
};
const WORKSPACE_CHANGES = new Set(['WorkspacePriceSet', 'WorkspacePriceRemoved']);

function validated<T extends object>(cls: new () => T, value: unknown, field: string): T {
  const instance = plainToInstance(cls, value ?? {});
  const problems = toProblems(validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true }));
  if (problems.length) throw new ValidationError(problems.map((p) => ({ ...p, field: `${field}.${p.field}`, location: 'body' as const })));
  return instance;
}

/**
 * Marks one route of an admin controller as open to any valid key: the key guard reads the handler's
 * `ledger:admin` before the controller's (@AdminOnly), so false here wins.
 */
const AnyValidKey = () => SetMetadata('ledger:admin', false);

const IMPORT_ROUTE = '/v1/pricing/catalog/import';

/** The catalog's provider rows and providers as a catalog file, or null before any file was imported. */
function catalogAsFile(state: CatalogState): CatalogFile | null {
  if (!state.source) return null;
  const { name, version, sha256 } = state.source;
  return { source: { name, version, sha256 }, providers: state.providers ?? [], rows: sortedModels(state.models.filter((r) => r.provider)) };
}

/** A preview's lines summed per workspace, exactly. */
function byWorkspace(lines: readonly PreviewLine[]) {
  const sums = new Map<string, { events: number; before: Big; after: Big; ub: number; ua: number }>();
  for (const l of lines) {
    const s = sums.get(l.workspace_id) ?? { events: 0, before: new Big(0), after: new Big(0), ub: 0, ua: 0 };
    sums.set(l.workspace_id, {
      events: s.events + l.events,
      before: s.before.plus(l.before_usd),
      after: s.after.plus(l.after_usd),
      ub: s.ub + l.unpriced_before,
      ua: s.ua + l.unpriced_after,
    });
  }
  return [...sums.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([workspace_id, s]) => ({
      workspace_id,
      events: s.events,
      before_usd: s.before.toFixed(),
      after_usd: s.after.toFixed(),
      delta_usd: s.after.minus(s.before).toFixed(),
      unpriced_before: s.ub,
      unpriced_after: s.ua,
    }));
}

const NOTHING = { events: 0, from: null, to: null };

/**
 * The pricing catalog's admin API. Every change answers with the new catalog
 * version, the recorded usage it touches, and the rebuild that restates it.
 */
@ApiTags('pricing')
@ApiExtraModels(ModelPriceBody, WorkspacePriceBody, ToolPriceBody)
@ApiV1Errors(400, 401, 403)
@Controller('v1/pricing')
@AdminOnly()
export class PricingController {
  constructor(
    private readonly catalog: PricingCatalog,
    private readonly changes: PricingChanges,
  ) {}

  @Get('models')
  @ApiOperation({ summary: 'The catalog: every effective-dated row, and the change history' })
  @ApiOkResponse({ type: CatalogResponse })
  async list() {
    await this.catalog.refresh();
    const { version, models, tools } = this.catalog.rows;
    const changes = (await this.catalog.history()).map((c) => (c.type === 'CatalogImported' ? importSummary(c) : c));
    return { success: true, data: { version, models: listedModels(models), tools: sortedTools(tools), changes } };
  }

  /**
   * The rows that price `model` (as usage names it: by model name or alias, as the
   * projection looks it up) and the changes that named those models. A model the
   * catalog never named is 404; one whose rows were all removed keeps its history.
   */
  @Get('models/:model')
  @ApiOperation({ summary: "One model's effective-dated rows (by name or alias) and its change history" })
  @ApiOkResponse({ type: ModelPricesResponse })
  @ApiV1Errors(404)
  async model(@Param('model') model: string) {
    const catalog = await this.catalog.refresh();
    const { version, models } = this.catalog.rows;
    const priced = resolveModel(catalog, null, model) ?? model;
    const rows = models.filter((r) => r.model === priced || r.aliases?.includes(priced));
    const names = new Set([model, priced, ...rows.map((r) => r.model)]);
    // A workspace's negotiated prices are its own (GET workspaces/{workspace_id}), not the model's list price.
    const changes = (await this.catalog.history()).flatMap((c) =>
      c.type === 'CatalogImported' ? importOf(c, names) : MODEL_CHANGES.has(c.type) && names.has(c.data.model as string) ? [c] : [],
    );
    if (!rows.length && !changes.length) throw new NotFoundError(`Model ${model}`, 'model');
    return { success: true, data: { version, model, priced_model: priced, rows: listedModels(rows), changes } };
  }

  @Get('tools')
  @ApiOperation({ summary: 'Every tool compute price row, and the tool price change history' })
  @ApiOkResponse({ type: ToolPricesResponse })
  async tools() {
    await this.catalog.refresh();
    const { version, tools } = this.catalog.rows;
    const changes = (await this.catalog.history()).filter((c) => c.type === 'ToolPriceSet' || c.type === 'ToolPriceRemoved');
    return { success: true, data: { version, tools: sortedTools(tools), changes } };
  }

  @Put('models/:model')
  @ApiOperation({ summary: 'Set a model price row; queues a rebuild when it touches recorded usage' })
  @ApiOkResponse({ type: PricingChangeResponse })
  @ApiV1Errors(409)
  async setModel(@Param('model') model: string, @Body() body: ModelPriceBody) {
    return { success: true, data: await this.changes.apply(modelPriceSet(model, body), body.expected_version) };
  }

  @Delete('models/:model')
  @ApiOperation({ summary: 'Remove a model price row (by effective_from)' })
  @ApiOkResponse({ type: PricingChangeResponse })
  @ApiV1Errors(404, 409)
  async removeModel(@Param('model') model: string, @Query() q: RemovePriceQuery) {
    const event: PricingEvent = { type: 'PriceRemoved', data: { model, effective_from: new Date(q.effective_from).toISOString() } };
    return { success: true, data: await this.changes.apply(event, q.expected_version) };
  }

  @Put('tools/:tool')
  @ApiOperation({ summary: 'Set a tool compute price (per call and per second of duration_ms)' })
  @ApiOkResponse({ type: PricingChangeResponse })
  @ApiV1Errors(409)
  async setTool(@Param('tool') tool: string, @Body() body: ToolPriceBody) {
    return { success: true, data: await this.changes.apply(toolPriceSet(tool, body), body.expected_version) };
  }

  @Delete('tools/:tool')
  @ApiOperation({ summary: 'Remove a tool compute price row' })
  @ApiOkResponse({ type: PricingChangeResponse })
  @ApiV1Errors(404, 409)
  async removeTool(@Param('tool') tool: string, @Query() q: RemovePriceQuery) {
    const event: PricingEvent = { type: 'ToolPriceRemoved', data: { tool, effective_from: new Date(q.effective_from).toISOString() } };
    return { success: true, data: await this.changes.apply(event, q.expected_version) };
  }

  /** A workspace's negotiated prices and the changes to them; a workspace that never had one has none. */
  @Get('workspaces/:workspace_id')
  @ApiOperation({ summary: "One workspace's negotiated prices (overrides of the list price) and their change history" })
  @ApiOkResponse({ type: WorkspacePricesResponse })
  async workspace(@Param() p: WorkspaceParams) {
    await this.catalog.refresh();
    const { version, overrides } = this.catalog.rows;
    const changes = (await this.catalog.history()).filter((c) => WORKSPACE_CHANGES.has(c.type) && c.data.workspace_id === p.workspace_id);
    return { success: true, data: { version, workspace_id: p.workspace_id, overrides: sortedOverrides(overrides.filter((o) => o.workspace_id === p.workspace_id)), changes } };
  }

  @Put('workspaces/:workspace_id/models/:model')
  @ApiOperation({
    summary: "Set a workspace's negotiated price for a model (`*`: every model): full rates, or a multiplier of the list price",
  })
  @ApiOkResponse({ type: PricingChangeResponse })
  @ApiV1Errors(409)
  async setWorkspaceModel(@Param() p: WorkspaceModelParams, @Body() body: WorkspacePriceBody) {
    return { success: true, data: await this.changes.apply(workspacePriceSet(p.workspace_id, p.model, body), body.expected_version) };
  }

  @Delete('workspaces/:workspace_id/models/:model')
  @ApiOperation({ summary: "Remove a workspace's negotiated price row (by effective_from)" })
  @ApiOkResponse({ type: PricingChangeResponse })
  @ApiV1Errors(404, 409)
  async removeWorkspaceModel(@Param() p: WorkspaceModelParams, @Query() q: RemovePriceQuery) {
    const event: PricingEvent = { type: 'WorkspacePriceRemoved', data: { workspace_id: p.workspace_id, model: p.model, effective_from: instant(q.effective_from) } };
    return { success: true, data: await this.changes.apply(event, q.expected_version) };
  }

  /** The file the catalog last imported (source and hashes) and the catalog's provider rows as a file. */
  @Get('catalog')
  @ApiOperation({ summary: 'The catalog file last imported (source, version, hashes) and the current provider rows as a catalog file' })
  @ApiOkResponse({ type: CatalogSourceResponse })
  async catalogFile() {
    await this.catalog.refresh();
    const state = this.catalog.rows;
    return { success: true, data: { version: state.version, source: state.source ?? null, file: catalogAsFile(state) } };
  }

  /** The providers a `TokenUsed` may name, for clients and dashboards: any valid key may read them. */
  @Get('providers')
  @AnyValidKey()
  @ApiOperation({ summary: "The catalog's providers (any valid key): id, name, the aliases accepted for it, its price lists, its models" })
  @ApiOkResponse({ type: ProvidersResponse })
  async providers() {
    await this.catalog.refresh();
    const { version, providers = [] } = this.catalog.rows;
    const listed = [...providers]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((p) => ({ id: p.id, name: p.name, aliases: [...(p.aliases ?? [])], pricing_urls: [...(p.pricing_urls ?? [])], models: p.models.length }));
    return { success: true, data: { version, providers: listed } };
  }

  /**
   * Compares a catalog file with the catalog: the rows added, changed and removed, and what recording it would
   * restate, per workspace and model. With `apply`, records it as one version (`CatalogImported`, with its source
   * and hash) against the version compared, and queues one rebuild. A file that changes nothing records nothing.
   */
  @Post('catalog/import')
  @HttpCode(200)
  @JsonBodyLimit('POST', IMPORT_ROUTE, CATALOG_IMPORT_BODY_LIMIT)
  @ApiOperation({
    summary: `Diff a catalog file against the catalog and preview its restatement; with apply, record it as one version and queue one rebuild (body up to ${CATALOG_IMPORT_BODY_LIMIT})`,
  })
  @ApiOkResponse({ type: CatalogImportResponse })
  @ApiV1Errors(409, 413)
  async importCatalog(@Body() body: CatalogImportBody) {
    const problems = catalogFileProblems(body.catalog);
    if (problems.length) throw new ValidationError(problems);
    if (body.apply && !body.reason) {
      throw new ValidationError([{ field: 'reason', location: 'body', message: 'say why with apply: the reason is recorded with the new catalog version' }]);
    }
    await this.catalog.refresh();
    const state = this.catalog.rows;
    if (body.expected_version !== undefined && body.expected_version !== state.version) {
      throw new ConflictError(`the pricing catalog is at version ${state.version}, not ${body.expected_version}; compare again`);
    }
    const file = body.catalog as unknown as CatalogFile;
    const compared = diffCatalog(state, file);
    const event: PricingEvent = { type: 'CatalogImported', data: { ...compared.event, ...(body.reason ? { reason: body.reason } : {}) } };
    const unchanged = importChangesNothing(state, compared);
    const preview = unchanged
      ? { affected: NOTHING, totals: { before_usd: '0', after_usd: '0', delta_usd: '0' }, lines: [] }
      : await this.changes.preview(event);
    let applied = null;
    if (body.apply) {
      applied = unchanged
        ? { recorded: false, catalog_version: state.version, affected: NOTHING, rebuild: { state: 'not_needed' as const } }
        : { recorded: true, ...(await this.changes.apply(event, state.version)) };
    }
    return {
      success: true,
      data: {
        catalog_version: state.version,
        current_source: state.source ?? null,
        file: {
          source: file.source,
          sha256: compared.event.sha256,
          providers: file.providers.length,
          rows: file.rows.length,
          not_imported: file.not_imported?.length ?? 0,
        },
        diff: compared.diff,
        preview: { affected: preview.affected, totals: preview.totals, workspaces: byWorkspace(preview.lines), lines: preview.lines },
        applied,
      },
    };
  }

  /** Dry run: what a change would restate, per workspace and model. Nothing changes. */
  @Post('preview')
  @HttpCode(200)
  @ApiOperation({ summary: 'Dry run: what a change would restate, per workspace and model' })
  @ApiOkResponse({ type: PreviewResponse })
  @ApiV1Errors(404)
  async preview(@Body() body: PreviewBody) {
    if (!!body.model === !!body.tool) throw new ValidationError([{ field: 'model', location: 'body', message: 'name exactly one of model or tool' }]);
    if (body.workspace_id && !body.model) {
      throw new ValidationError([{ field: 'workspace_id', location: 'body', message: 'workspace_id goes with model: a negotiated price is for models' }]);
    }
    return { success: true, data: await this.changes.preview(body.action === 'remove' ? removal(body) : setting(body)) };
  }
}

function removal(body: PreviewBody): PricingEvent {
  if (!body.effective_from) throw new ValidationError([{ field: 'effective_from', location: 'body', message: 'effective_from names the row to remove' }]);
  const effective_from = instant(body.effective_from);
  if (body.workspace_id) return { type: 'WorkspacePriceRemoved', data: { workspace_id: body.workspace_id, model: body.model!, effective_from } };
  return body.model ? { type: 'PriceRemoved', data: { model: body.model, effective_from } } : { type: 'ToolPriceRemoved', data: { tool: body.tool!, effective_from } };
}

function setting(body: PreviewBody): PricingEvent {
  if (body.workspace_id) return workspacePriceSet(body.workspace_id, body.model!, validated(WorkspacePriceBody, body.price, 'price'));
  return body.model
    ? modelPriceSet(body.model, validated(ModelPriceBody, body.price, 'price'))
    : toolPriceSet(body.tool!, validated(ToolPriceBody, body.price, 'price'));
}
