import { GroupCommitFullError } from '@tracktrove/common';
import { describe, expect, it } from 'vitest';
import { toProblem } from '../src/http/error-handler.ts';

describe('errors of the packages as problem+json', () => {
  it('answers a full command queue with 503 and Retry-After: nothing was written, try again', () => {
    const problem = toProblem(new GroupCommitFullError(2_000));
    expect(problem?.status).toBe(503);
    expect(problem?.code).toBe('unavailable');
    expect(problem?.headers['retry-after']).toBe('1');
    expect(problem?.message).toMatch(/2000 commands are waiting/);
  });

  it('answers a manual confirmation the webhook receiver did not take with 503 too', () => {
    const problem = toProblem(
      Object.assign(new Error('the confirmation webhook was not accepted (500); it will be retried'), { code: 'unavailable' }),
    );
    expect(problem?.status).toBe(503);
  });

  it.each([
    ['53100', /out of disk space/],
    ['53200', /out of memory/],
    ['53300', /too many connections/],
    ['58030', /storage failure/],
    ['57014', /statement timed out/],
    ['55P03', /lock was not available/],
    ['25006', /read-only/],
  ])('answers PostgreSQL %s (the database cannot do it now) with 503 and Retry-After, not 500', (sqlState, detail) => {
    const problem = toProblem(Object.assign(new Error('from PostgreSQL'), { code: sqlState }));
    expect(problem?.status).toBe(503);
    expect(problem?.headers['retry-after']).toBe('5');
    expect(problem?.message).toMatch(detail);
  });

  it('leaves other PostgreSQL errors to the generic handling (a bug is a 500 that gets logged)', () => {
    expect(toProblem(Object.assign(new Error('syntax error'), { code: '42601' }))).toBeUndefined();
  });
});
