import { DynamicModule, Module } from '@nestjs/common';
import { Clock } from '@ledger/config';
import { EventsController } from './events.controller';
import { IngestMetrics } from './ingest.metrics';
import { INGEST_SLOTS, IngestSlots } from './ingest-slots';
import { RecordUsageEventsHandler } from './record-usage.command';
import { ProjectedSessionExecutions } from './record-usage.session-executions';

@Module({})
export class IngestModule {
  /** `concurrency`: batches this process records at once (LEDGER_INGEST_CONCURRENCY). */
  static forRoot({ concurrency }: { concurrency: number }): DynamicModule {
    return {
      module: IngestModule,
      controllers: [EventsController],
      providers: [RecordUsageEventsHandler, ProjectedSessionExecutions, Clock, IngestMetrics, { provide: INGEST_SLOTS, useValue: new IngestSlots(concurrency) }],
    };
  }
}
