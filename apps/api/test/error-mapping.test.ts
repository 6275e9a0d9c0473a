import { GroupCommitFullError } from '@tracktrove/timers';
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
    const problem = toProblem(Object.assign(new Error('the confirmation webhook was not accepted (500); it will be retried'), { code: 'unavailable' }));
    expect(problem?.status).toBe(503);
  });
});
