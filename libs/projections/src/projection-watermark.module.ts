import { Module } from '@nestjs/common';
import { ProjectionWatermark } from './projection-watermark';

/** The one ProjectionWatermark, for the health route (through ProjectionsModule) and the queries' `?after=`. */
@Module({ providers: [ProjectionWatermark], exports: [ProjectionWatermark] })
export class ProjectionWatermarkModule {}
