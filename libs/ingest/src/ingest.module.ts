import { Module } from '@nestjs/common';
import { Clock } from '@ledger/config';
import { EventsController } from './events.controller';
import { IngestMetrics } from './ingest.metrics';
import { RecordUsageEventsHandler } from './record-usage.command';

@Module({
  controllers: [EventsController],
  providers: [RecordUsageEventsHandler, Clock, IngestMetrics],
})
export class IngestModule {}
