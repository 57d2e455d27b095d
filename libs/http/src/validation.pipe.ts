import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import type { ValidationError as ClassValidatorError } from 'class-validator';
import { FieldProblem, ValidationError } from './ledger-errors';

/** Flattens class-validator's nested errors into dotted field paths. */
export function toProblems(errors: readonly ClassValidatorError[], parent = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...toProblems(e.children ?? [], field)];
  });
}

const LOCATIONS = { body: 'body', query: 'query', param: 'path' } as const;

/** Nest's ValidationPipe, raising the ledger's ValidationError with where each field came from. */
@Injectable()
export class LedgerValidationPipe extends ValidationPipe {
  constructor() {
    super({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      stopAtFirstError: true,
      exceptionFactory: (errors) => new ValidationError(toProblems(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    try {
      return await super.transform(value, metadata);
    } catch (err) {
      const location = LOCATIONS[metadata.type as keyof typeof LOCATIONS];
      if (err instanceof ValidationError && location) {
        throw new ValidationError(err.problems.map((p) => ({ ...p, location })));
      }
      throw err;
    }
  }
}
