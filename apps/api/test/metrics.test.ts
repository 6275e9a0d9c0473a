import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/metrics.ts';

describe('tracktrove_timers_fired_total', () => {
  it("follows the timer service's totals per path, as a counter", async () => {
    const totals: Record<string, number> = { redis_poll: 3, sweeper: 1 };
    const metrics = createMetrics({ timersFired: () => totals });
    const read = async (path: string) => {
      const line = (await metrics.registry.metrics())
        .split('\n')
        .find((candidate) => candidate.startsWith(`tracktrove_timers_fired_total{path="${path}"} `));
      return line ? Number(line.split(' ').at(-1)) : null;
    };
    expect(await read('redis_poll')).toBe(3);
    expect(await read('sweeper')).toBe(1);
    expect(await read('redis_notification')).toBeNull();
    totals.redis_poll = 10;
    totals.redis_notification = 2;
    expect(await read('redis_poll')).toBe(10);
    expect(await read('redis_notification')).toBe(2);
    expect(await read('sweeper')).toBe(1);
  });
});
