import { applyDecorators, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentPrincipal, Principal } from '@ledger/auth';
import { Clock } from '@ledger/config';
import { ApiOtlpErrors, ForbiddenError, PayloadTooLargeError, ReadsOwnBody, UnsupportedMediaTypeError } from '@ledger/http';
import { RecordUsageEvents } from '@ledger/ingest';
import { ApiBody, ApiConsumes, ApiExtraModels, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import express, { Request, Response } from 'express';
import { normalizeRecords } from '../normalize-records';
import { OtlpSignal } from '../otlp-model';
import { ingestRecords, IngestOutcome } from './ingest-records';
import { decodeOtlp, exportResponseJson, exportResponseProtobuf, OtlpEncoding } from './otlp-codec';
import { OtlpMetrics } from './otlp.metrics';
import { ExportLogsServiceResponseBody, ExportMetricsServiceResponseBody, ExportTraceServiceResponseBody } from './otlp-response.dto';

/** Larger than the JSON API's 1 MiB: exporters batch up to 512 records by default, each with its attributes. */
export const OTLP_BODY_LIMIT = '8mb';
const LIMIT_TEXT = '8 MiB';

// gzip, deflate and br are inflated (the limit counts inflated bytes); any other encoding is a 415.
const readRaw = express.raw({ type: () => true, limit: OTLP_BODY_LIMIT, inflate: true });

/** The body as bytes, read here (after the key is checked) rather than before routing. */
function readBody(req: Request, res: Response): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    readRaw(req, res, (err?: unknown) => {
      if ((err as { type?: string } | undefined)?.type === 'entity.too.large') reject(new PayloadTooLargeError(`request body exceeds the OTLP routes' ${LIMIT_TEXT} limit`));
      else if (err) reject(err);
      else resolve(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    }),
  );
}

/** The request's encoding by its content type, as OTLP/HTTP names them. */
function encodingOf(req: Request): OtlpEncoding {
  const header = req.headers['content-type'] ?? '';
  const [type, ...params] = header.split(';').map((part) => part.trim().toLowerCase());
  if (type === 'application/x-protobuf') return 'protobuf';
  if (type === 'application/json') {
    const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
    if (charset && charset !== 'utf-8' && charset !== 'utf8') throw new UnsupportedMediaTypeError(`unsupported charset "${charset}": send OTLP/JSON in UTF-8`);
    return 'json';
  }
  throw new UnsupportedMediaTypeError(`unsupported content-type "${header}": send application/x-protobuf or application/json`);
}

const SUMMARY: Record<OtlpSignal, string> = {
  logs: 'OTLP/HTTP logs: usage records become usage events',
  traces: 'OTLP/HTTP traces: usage spans become usage events',
  metrics: 'OTLP/HTTP metrics: decoded, acknowledged and dropped',
};
const DESCRIPTION: Record<OtlpSignal, string> = {
  logs:
    'An `ExportLogsServiceRequest` (opentelemetry-proto v1.9.0) as `application/x-protobuf` or OTLP/JSON, gzip or not, at most 8 MiB inflated. ' +
    'Each record a normalizer claims (Claude Code, Codex CLI and Gemini CLI events, GenAI-conventions events) becomes usage events with deterministic ids, so a retried ' +
    'export counts once; other records are acknowledged and dropped. A record that cannot be read, or whose events ingest refuses, is rejected alone and ' +
    'counted in `partialSuccess`. The answer has the request\'s content type; errors are a `google.rpc.Status`.',
  traces:
    'An `ExportTraceServiceRequest` (opentelemetry-proto v1.9.0) as `application/x-protobuf` or OTLP/JSON, gzip or not, at most 8 MiB inflated. ' +
    'Spans a normalizer claims (the GenAI conventions, OpenLLMetry\'s spellings of them, the Vercel AI SDK) become usage events keyed by trace and span id, so a retried ' +
    'export counts once; other spans are acknowledged and dropped. A span that cannot be read, or whose events ingest refuses, is rejected alone and ' +
    'counted in `partialSuccess`. The answer has the request\'s content type; errors are a `google.rpc.Status`.',
  metrics:
    'An `ExportMetricsServiceRequest` is decoded (a body that does not decode is a 400) and dropped: metrics aggregate the calls that logs and spans ' +
    'report one by one, so counting them as well would count twice (ADR 0023). The answer is an empty `ExportMetricsServiceResponse`.',
};

/** The routes' shared OpenAPI description: both content types in, the same out, OTLP's error statuses. */
const ApiOtlpExport = (signal: OtlpSignal, response: new () => object) =>
  applyDecorators(
    ApiOperation({ summary: SUMMARY[signal], description: DESCRIPTION[signal] }),
    ApiConsumes('application/x-protobuf', 'application/json'),
    ApiBody({ schema: { type: 'object', description: 'OTLP/JSON (hex trace and span ids, 64-bit integers as strings), or the same message in protobuf.' } }),
    ApiResponse({
      status: 200,
      description: 'Accepted, whole or in part (`partialSuccess` counts what was rejected and says why).',
      content: {
        'application/json': { schema: { $ref: getSchemaPath(response) } },
        'application/x-protobuf': { schema: { type: 'string', format: 'binary' } },
      },
    }),
    ApiOtlpErrors(400, 401, 403, 413, 415, 503),
  );

@ApiTags('otlp')
@ApiExtraModels(ExportLogsServiceResponseBody, ExportTraceServiceResponseBody, ExportMetricsServiceResponseBody)
@Controller('otlp/v1')
export class OtlpController {
  constructor(
    private readonly commands: CommandBus,
    private readonly clock: Clock,
    private readonly counts: OtlpMetrics,
  ) {}

  @Post('logs')
  @HttpCode(200)
  @ReadsOwnBody('POST', '/otlp/v1/logs')
  @ApiOtlpExport('logs', ExportLogsServiceResponseBody)
  logs(@Req() req: Request, @Res() res: Response, @CurrentPrincipal() principal: Principal): Promise<void> {
    return this.export('logs', req, res, principal);
  }

  @Post('traces')
  @HttpCode(200)
  @ReadsOwnBody('POST', '/otlp/v1/traces')
  @ApiOtlpExport('traces', ExportTraceServiceResponseBody)
  traces(@Req() req: Request, @Res() res: Response, @CurrentPrincipal() principal: Principal): Promise<void> {
    return this.export('traces', req, res, principal);
  }

  @Post('metrics')
  @HttpCode(200)
  @ReadsOwnBody('POST', '/otlp/v1/metrics')
  @ApiOtlpExport('metrics', ExportMetricsServiceResponseBody)
  metrics(@Req() req: Request, @Res() res: Response, @CurrentPrincipal() principal: Principal): Promise<void> {
    return this.export('metrics', req, res, principal);
  }

  private async export(signal: OtlpSignal, req: Request, res: Response, principal: Principal): Promise<void> {
    if (principal.kind !== 'workspace') throw new ForbiddenError('OTLP data is recorded with a workspace key; the admin key has no workspace');
    const encoding = encodingOf(req);
    const records = decodeOtlp(signal, encoding, await readBody(req, res));
    const outcome: IngestOutcome | undefined = records.length
      ? await ingestRecords(records, {
          workspaceId: principal.workspaceId,
          now: this.clock.now(),
          normalize: normalizeRecords,
          record: (events) => this.commands.execute(new RecordUsageEvents(principal.workspaceId, events)),
        })
      : undefined;
    if (outcome && signal !== 'metrics') this.counts.records(signal, records.length, outcome.rejected, outcome.ignored);
    const answer = { rejected: outcome?.rejected ?? 0, errorMessage: outcome?.errorMessage ?? '' };
    if (encoding === 'protobuf') res.status(200).type('application/x-protobuf').send(exportResponseProtobuf(signal, answer));
    else res.status(200).json(exportResponseJson(signal, answer));
  }
}
