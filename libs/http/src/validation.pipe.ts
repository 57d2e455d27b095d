import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import type { ValidationError as ClassValidatorError } from 'class-validator';
import { FieldProblem, ValidationError } from './ledger-errors';
import { unstorableText } from './unstorable-text';

/** Flattens class-validator's nested errors into dotted field paths. */
export function toProblems(errors: readonly ClassValidatorError[], parent = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...toProblems(e.children ?? [], field)];
  });
}

const isEmptyObject = (value: unknown): boolean => typeof value === 'object' && value !== null && Object.keys(value).length === 0;

const LOCATIONS = { body: 'body', query: 'query', param: 'path' } as const;

type Dto = new () => object;

/** Nest's ValidationPipe, raising the ledger's ValidationError with where each field came from. */
@Injectable()
export class LedgerValidationPipe extends ValidationPipe {
  /**
   * Parameter classes whose defaults passed validation once. Most reads send no query parameters, and
   * class-transformer plus class-validator cost about 150 µs a request only to confirm those defaults again.
   */
  private readonly validWhenEmpty = new WeakSet<Dto>();

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
    // Every path and query parameter of every route, before its own rules: a NUL reaching PostgreSQL was a 500.
    if (metadata.type === 'param' || metadata.type === 'query') {
      const problems = unstorableText(value, metadata.data);
      if (problems.length) throw new ValidationError(problems.map((p) => ({ ...p, location: LOCATIONS[metadata.type as 'param' | 'query'] })));
    }
    const dto = metadata.metatype as Dto | undefined;
    const empty = metadata.type === 'query' && dto !== undefined && isEmptyObject(value);
    if (empty && this.validWhenEmpty.has(dto)) return new dto();
    try {
      const transformed = await super.transform(value, metadata);
      if (empty && transformed instanceof dto) this.validWhenEmpty.add(dto);
      return transformed;
    } catch (err) {
      const location = LOCATIONS[metadata.type as keyof typeof LOCATIONS];
      if (err instanceof ValidationError && location) {
        throw new ValidationError(err.problems.map((p) => ({ ...p, location })));
      }
      throw err;
    }
  }
}
