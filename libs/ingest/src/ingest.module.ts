import { Module } from '@nestjs/common';
import { Clock } from '@ledger/config';
import { EventsController } from './events.controller';
import { RecordUsageEventsHandler } from './record-usage.command';

@Module({
  controllers: [EventsController],
  providers: [RecordUsageEventsHandler, Clock],
})
export class IngestModule {}
