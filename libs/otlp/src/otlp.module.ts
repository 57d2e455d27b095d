import { Module } from '@nestjs/common';
import { Clock } from '@ledger/config';
import { OtlpController } from './receiver/otlp.controller';

/** The OTLP/HTTP receiver (ADR 0023); records reach the ledger through ingest's RecordUsageEvents. */
@Module({
  controllers: [OtlpController],
  providers: [Clock],
})
export class OtlpModule {}
