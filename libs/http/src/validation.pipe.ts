import { ArgumentMetadata, Injectable, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import type { ValidationError as ClassValidatorError } from 'class-validator';
import { FieldProblem, PydanticError, ValidationError } from './ledger-errors';
import { unstorableText } from './unstorable-text';

/**
 * Flattens class-validator's nested errors into dotted field paths. A constraint declared with
 * `context: { pydantic }` carries the pydantic v2 error it stands for.
 */
export function toProblems(errors: readonly ClassValidatorError[], parent = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.entries(e.constraints ?? {}).map(([constraint, message]) => {
      const pydantic = (e.contexts?.[constraint] as { pydantic?: PydanticError } | undefined)?.pydantic;
      return pydantic ? { field, message, pydantic } : { field, message };
    });
    return [...own, ...toProblems(e.children ?? [], field)];
  });
}

const isEmptyObject = (value: unknown): boolean => typeof value === 'object' && value !== null && Object.keys(value).length === 0;

const LOCATIONS = { body: 'body', query: 'query', param: 'path' } as const;

type Dto = new () => object;

const FASTAPI_QUERY = Symbol('fastapi-query');

/**
 * Marks a query class as a FastAPI route's parameters, read as FastAPI reads them: a parameter the route
 * does not declare is ignored (clients add cache-busters), and of a repeated one the last value counts.
 */
export const FastApiQuery = (): ClassDecorator => (target) => Reflect.defineMetadata(FASTAPI_QUERY, true, target);

const isFastApiQuery = (dto: Dto | undefined): boolean => dto !== undefined && Reflect.getMetadata(FASTAPI_QUERY, dto) === true;

const lastOfRepeated = (query: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? v[v.length - 1] : v]));

const OPTIONS: ValidationPipeOptions = {
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
  stopAtFirstError: true,
  exceptionFactory: (errors) => new ValidationError(toProblems(errors)),
};

/** Nest's ValidationPipe, raising the ledger's ValidationError with where each field came from. */
@Injectable()
export class LedgerValidationPipe extends ValidationPipe {
  /**
   * Parameter classes whose defaults passed validation once. Most reads send no query parameters, and
   * class-transformer plus class-validator cost about 150 µs a request only to confirm those defaults again.
   */
  private readonly validWhenEmpty = new WeakSet<Dto>();
  private readonly fastApi = new ValidationPipe({ ...OPTIONS, forbidNonWhitelisted: false });

  constructor() {
    super(OPTIONS);
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
    const fastApi = metadata.type === 'query' && isFastApiQuery(dto) && typeof value === 'object' && value !== null;
    const input = fastApi ? lastOfRepeated(value as Record<string, unknown>) : value;
    try {
      const transformed = fastApi ? await this.fastApi.transform(input, metadata) : await super.transform(input, metadata);
      if (empty && transformed instanceof dto) this.validWhenEmpty.add(dto);
      return transformed;
    } catch (err) {
      const location = LOCATIONS[metadata.type as keyof typeof LOCATIONS];
      if (err instanceof ValidationError && location) {
        // pydantic reports the value as received, before any conversion.
        const received = (field: string) => (typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[field] : input);
        throw new ValidationError(
          err.problems.map((p) => ({ ...p, location, ...(p.pydantic && { pydantic: { ...p.pydantic, input: received(p.field) } }) })),
        );
      }
      throw err;
    }
  }
}
