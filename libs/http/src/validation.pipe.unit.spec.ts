import 'reflect-metadata';
import { IsInt, IsOptional, IsString, Max } from 'class-validator';
import { ValidationError } from './ledger-errors';
import { LedgerValidationPipe } from './validation.pipe';

class WithDefaults {
  @IsOptional() @IsInt() @Max(200)
  limit = 50;
}

class WithRequired {
  @IsString()
  name: string;
}

describe('LedgerValidationPipe with no query parameters', () => {
  const pipe = new LedgerValidationPipe();

  it('answers the class defaults, the first time and from then on', async () => {
    for (let i = 0; i < 2; i++) {
      const q = await pipe.transform({}, { type: 'query', metatype: WithDefaults });
      expect(q).toBeInstanceOf(WithDefaults);
      expect(q).toEqual({ limit: 50 });
    }
  });

  it('still refuses an empty query that its class does not allow, every time', async () => {
    for (let i = 0; i < 2; i++) {
      await expect(pipe.transform({}, { type: 'query', metatype: WithRequired })).rejects.toBeInstanceOf(ValidationError);
    }
  });

  it('validates parameters that are present', async () => {
    await pipe.transform({}, { type: 'query', metatype: WithDefaults });
    await expect(pipe.transform({ limit: 500 }, { type: 'query', metatype: WithDefaults })).rejects.toBeInstanceOf(ValidationError);
  });
});
