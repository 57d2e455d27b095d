import 'reflect-metadata';
import { FastApiQuery, LedgerValidationPipe, ValidationError } from '@ledger/http';
import { BreakdownParams, PageParams } from './query-params';

@FastApiQuery()
class FastApiPage extends PageParams {}

@FastApiQuery()
class FastApiBreakdown extends BreakdownParams {}

const pipe = new LedgerValidationPipe();
const read = (metatype: new () => object, query: Record<string, unknown>) => pipe.transform(query, { type: 'query', metatype });
const refusal = async (metatype: new () => object, query: Record<string, unknown>) => {
  const err = await read(metatype, query).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ValidationError)) throw new Error(`expected a ValidationError for ${JSON.stringify(query)}`);
  return err.problems.map(({ field, message, location, pydantic }) => ({ field, message, location, pydantic }));
};

describe('query parameters read as FastAPI reads them', () => {
  it('parses integers as pydantic v2 does', async () => {
    for (const [raw, limit] of [['7', 7], [' 7 ', 7], ['7.00', 7], ['1_0', 10], ['200', 200]] as const) {
      expect(await read(FastApiPage, { limit: raw })).toEqual({ limit });
    }
  });

  it('refuses a bad integer with the ledger message and pydantic type, message, context and input', async () => {
    expect(await refusal(FastApiPage, { limit: 'abc' })).toEqual([
      {
        field: 'limit',
        message: 'limit must be an integer',
        location: 'query',
        pydantic: { type: 'int_parsing', msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'abc' },
      },
    ]);
    expect(await refusal(FastApiPage, { limit: '0' })).toEqual([
      {
        field: 'limit',
        message: 'limit must be >= 1',
        location: 'query',
        pydantic: { type: 'greater_than_equal', msg: 'Input should be greater than or equal to 1', ctx: { ge: 1 }, input: '0' },
      },
    ]);
    expect((await refusal(FastApiPage, { limit: '201' }))[0].pydantic).toEqual({
      type: 'less_than_equal', msg: 'Input should be less than or equal to 200', ctx: { le: 200 }, input: '201',
    });
    expect((await refusal(FastApiPage, { limit: '1.5' }))[0].pydantic?.type).toBe('int_parsing');
  });

  it("accepts every one of pydantic v2's boolean spellings, in any case", async () => {
    for (const raw of ['true', 'TRUE', 'True', '1', 'yes', 'YES', 'on', 'On', 't', 'T', 'y', 'Y']) {
      expect(await read(FastApiBreakdown, { include_breakdown: raw })).toEqual({ include_breakdown: true });
    }
    for (const raw of ['false', 'False', '0', 'no', 'NO', 'off', 'OFF', 'f', 'F', 'n', 'N']) {
      expect(await read(FastApiBreakdown, { include_breakdown: raw })).toEqual({ include_breakdown: false });
    }
    expect((await refusal(FastApiBreakdown, { include_breakdown: 'maybe' }))[0].pydantic).toEqual({
      type: 'bool_parsing', msg: 'Input should be a valid boolean, unable to interpret input', input: 'maybe',
    });
  });

  it('ignores parameters the route does not declare, and takes the last of a repeated one', async () => {
    expect(await read(FastApiPage, { _: '1733350000', limit: ['3', '4'] })).toEqual({ limit: 4 });
  });

  it('keeps other families strict: an unknown parameter is refused', async () => {
    expect(await refusal(PageParams, { color: 'red' })).toEqual([
      { field: 'color', message: 'property color should not exist', location: 'query', pydantic: undefined },
    ]);
  });
});
