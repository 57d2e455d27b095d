import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { AdminOnly } from '@ledger/auth';
import { ApiV1Errors, NotFoundError, toProblems, ValidationError } from '@ledger/http';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PriceRow, PricingCatalog, PricingEvent, ToolPriceRow } from '@ledger/pricing';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  CatalogResponse,
  ModelPriceBody,
  ModelPricesResponse,
  PreviewBody,
  PreviewResponse,
  PricingChangeResponse,
  RemovePriceQuery,
  ToolPriceBody,
  ToolPricesResponse,
} from './pricing-admin.dto';
import { PricingChanges } from './pricing-changes.service';

const modelPriceSet = (model: string, b: ModelPriceBody): PricingEvent => ({
  type: 'PriceSet',
  data: {
    model,
    aliases: b.aliases,
    effective_from: new Date(b.effective_from).toISOString(),
    effective_to: b.effective_to ? new Date(b.effective_to).toISOString() : null,
    rates: { input: b.rates.input, output: b.rates.output, cache_creation: b.rates.cache_creation, cache_read: b.rates.cache_read },
    tiers: b.tiers?.map((t) => ({ above_prompt_tokens: t.above_prompt_tokens, rates: { ...t.rates } })),
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
const sortedTools = (rows: readonly ToolPriceRow[]) => [...rows].sort(byName((r) => r.tool));

function validated<T extends object>(cls: new () => T, value: unknown, field: string): T {
  const instance = plainToInstance(cls, value ?? {});
  const problems = toProblems(validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true }));
  if (problems.length) throw new ValidationError(problems.map((p) => ({ ...p, field: `${field}.${p.field}`, location: 'body' as const })));
  return instance;
}

/**
 * The pricing catalog's admin API. Every change answers with the new catalog
 * version, the recorded usage it touches, and the rebuild that restates it.
 */
@ApiTags('pricing')
@ApiExtraModels(ModelPriceBody, ToolPriceBody)
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
    return { success: true, data: { version, models: sortedModels(models), tools: sortedTools(tools), changes: await this.catalog.history() } };
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
    await this.catalog.refresh();
    const { version, models } = this.catalog.rows;
    const rows = models.filter((r) => r.model === model || r.aliases?.includes(model));
    const names = new Set([model, ...rows.map((r) => r.model)]);
    const changes = (await this.catalog.history()).filter((c) => names.has(c.data.model as string));
    if (!rows.length && !changes.length) throw new NotFoundError(`Model ${model}`, 'model');
    return { success: true, data: { version, model, rows: sortedModels(rows), changes } };
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

  /** Dry run: what a change would restate, per workspace and model. Nothing changes. */
  @Post('preview')
  @HttpCode(200)
  @ApiOperation({ summary: 'Dry run: what a change would restate, per workspace and model' })
  @ApiOkResponse({ type: PreviewResponse })
  async preview(@Body() body: PreviewBody) {
    if (!!body.model === !!body.tool) throw new ValidationError([{ field: 'model', location: 'body', message: 'name exactly one of model or tool' }]);
    let event: PricingEvent;
    if (body.action === 'remove') {
      if (!body.effective_from) throw new ValidationError([{ field: 'effective_from', location: 'body', message: 'effective_from names the row to remove' }]);
      const effective_from = new Date(body.effective_from).toISOString();
      event = body.model ? { type: 'PriceRemoved', data: { model: body.model, effective_from } } : { type: 'ToolPriceRemoved', data: { tool: body.tool!, effective_from } };
    } else {
      event = body.model
        ? modelPriceSet(body.model, validated(ModelPriceBody, body.price, 'price'))
        : toolPriceSet(body.tool!, validated(ToolPriceBody, body.price, 'price'));
    }
    return { success: true, data: await this.changes.preview(event) };
  }
}
