import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The OTLP responses in proto3's JSON mapping, for the OpenAPI document: an int64 is a decimal string. */
export class ExportLogsPartialSuccessBody {
  @ApiProperty({ type: 'string', pattern: '^[0-9]+$', example: '1', description: 'Log records rejected (int64, as a decimal string).' })
  rejectedLogRecords: string;
  @ApiProperty({ example: '1 of 3 records rejected: record 2 (claude-code): input_tokens: must be a non-negative integer, got "x"' })
  errorMessage: string;
}

export class ExportTracePartialSuccessBody {
  @ApiProperty({ type: 'string', pattern: '^[0-9]+$', example: '1', description: 'Spans rejected (int64, as a decimal string).' })
  rejectedSpans: string;
  @ApiProperty({ example: '1 of 3 records rejected: record 0 (gen-ai): occurred_at: occurred_at is more than 5 minutes in the future' })
  errorMessage: string;
}

/** Empty when every record was accepted (or was not usage, and dropped). */
export class ExportLogsServiceResponseBody {
  @ApiPropertyOptional({ type: ExportLogsPartialSuccessBody, description: 'Only when some records were rejected.' })
  partialSuccess?: ExportLogsPartialSuccessBody;
}

export class ExportTraceServiceResponseBody {
  @ApiPropertyOptional({ type: ExportTracePartialSuccessBody, description: 'Only when some spans were rejected.' })
  partialSuccess?: ExportTracePartialSuccessBody;
}

/** Always empty: metrics are acknowledged and dropped. */
export class ExportMetricsServiceResponseBody {}
