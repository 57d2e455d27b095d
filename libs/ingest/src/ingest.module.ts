import { Module } from '@nestjs/common';
import { Clock } from '@ledger/config';
import { EventsController } from './events.controller';
import { IngestMetrics } from './ingest.metrics';
import { RecordUsageEventsHandler } from './record-usage.command';
import { ProjectedSessionExecutions } from './record-usage.session-executions';

@Module({
  controllers: [EventsController],
  providers: [RecordUsageEventsHandler, ProjectedSessionExecutions, Clock, IngestMetrics],
})
export class IngestModule {}
