import { Injectable } from '@nestjs/common';

/** The wall clock, behind a class so that tests can pin time. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
