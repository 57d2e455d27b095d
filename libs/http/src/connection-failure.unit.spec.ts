import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { isConnectionFailure, unavailableReason } from './connection-failure';

const serverError = (code: string, message: string) => Object.assign(new DatabaseError(message, 0, 'error'), { code });
const socketError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });

describe('isConnectionFailure', () => {
  it.each([
    ['a refused connection', socketError('ECONNREFUSED')],
    ['a reset connection', socketError('ECONNRESET')],
    ['every address of a host refusing', new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNREFUSED')])],
    ['an administrator ending the session (57P01)', serverError('57P01', 'terminating connection due to administrator command')],
    ['a crash shutdown (57P02)', serverError('57P02', 'terminating connection because of crash of another server process')],
    ['a server starting up (57P03)', serverError('57P03', 'the database system is starting up')],
    ['a connection exception (08006)', serverError('08006', 'connection failure')],
    ['too many connections (53300)', serverError('53300', 'sorry, too many clients already')],
    ['a connection pg saw end', new Error('Connection terminated unexpectedly')],
    ['a client that is no longer queryable', new Error('Client has encountered a connection error and is not queryable')],
    ['a closed pool', new Error('Cannot use a pool after calling end on the pool')],
    ['a lost connection under TypeORM', new QueryFailedError('SELECT 1', [], new Error('Connection terminated unexpectedly'))],
  ])('is true for %s', (_, err) => {
    expect(isConnectionFailure(err)).toBe(true);
  });

  it.each([
    ['a unique violation', serverError('23505', 'duplicate key value violates unique constraint')],
    ['a value out of range', serverError('22003', 'value "3000000000" is out of range for type integer')],
    ['a failed query under TypeORM', new QueryFailedError('SELECT 1', [], serverError('42P01', 'relation "x" does not exist'))],
    ['a plain error', new Error('something else')],
    ['a non-error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('is false for %s', (_, err) => {
    expect(isConnectionFailure(err)).toBe(false);
  });
});

describe('unavailableReason', () => {
  it.each([
    ['a read past its statement_timeout (57014)', serverError('57014', 'canceling statement due to statement timeout'),
      'the query ran past the time limit for reads and was cancelled: the database is busy, or the request reads too much; retry shortly'],
    ['the same under TypeORM', new QueryFailedError('SELECT 1', [], serverError('57014', 'canceling statement due to statement timeout')),
      'the query ran past the time limit for reads and was cancelled: the database is busy, or the request reads too much; retry shortly'],
    ['an operator cancelling the statement (57014)', serverError('57014', 'canceling statement due to user request'), 'the query was cancelled by the database server; retry shortly'],
    ['no pooled connection free within the time limit', new Error('timeout exceeded when trying to connect'), 'no database connection came free in time: the service is busy; retry shortly'],
    ['a refused connection', socketError('ECONNREFUSED'), 'the database is unreachable; retry shortly'],
  ])('names %s', (_, err, reason) => {
    expect(unavailableReason(err)).toBe(reason);
  });

  it.each([
    ['a unique violation', serverError('23505', 'duplicate key value violates unique constraint')],
    ['a lock not available (55P03)', serverError('55P03', 'canceling statement due to lock timeout')],
    ['a plain error', new Error('something else')],
    ['nothing', undefined],
  ])('is undefined for %s', (_, err) => {
    expect(unavailableReason(err)).toBeUndefined();
  });
});
