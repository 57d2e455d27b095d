import { Module } from '@nestjs/common';
import { Clock } from '@ledger/config';
import { OtlpController } from './receiver/otlp.controller';
import { OtlpMetrics } from './receiver/otlp.metrics';

/** The OTLP/HTTP receiver (ADR 0023); records reach the ledger through ingest's RecordUsageEvents. */
@Module({
  controllers: [OtlpController],
  providers: [Clock, OtlpMetrics],
})
export class OtlpModule {}
