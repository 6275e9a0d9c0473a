import { describe, expect, it } from 'vitest';
import { deliveryRetryLimits, nextAttemptDelayMs } from '../src/index.ts';

describe('nextAttemptDelayMs', () => {
  it('backs off exponentially with jitter between half and all of each step', () => {
    for (let attempt = 1; attempt < deliveryRetryLimits.maxAttempts; attempt += 1) {
      const step = Math.min(deliveryRetryLimits.maxDelayMs, deliveryRetryLimits.baseDelayMs * 2 ** (attempt - 1));
      const delays = Array.from({ length: 200 }, (_, index) => nextAttemptDelayMs({ deliveryId: `d-${index}`, attempt })!);
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(step / 2);
      expect(Math.max(...delays)).toBeLessThanOrEqual(step);
      expect(new Set(delays).size).toBeGreaterThan(50);
    }
  });

  it('is the same for the same delivery and attempt', () => {
    expect(nextAttemptDelayMs({ deliveryId: 'd', attempt: 3 })).toBe(nextAttemptDelayMs({ deliveryId: 'd', attempt: 3 }));
  });

  it('stops after the last attempt (8 by default, or the limit given)', () => {
    expect(nextAttemptDelayMs({ deliveryId: 'd', attempt: 7 })).not.toBeNull();
    expect(nextAttemptDelayMs({ deliveryId: 'd', attempt: 8 })).toBeNull();
    expect(nextAttemptDelayMs({ deliveryId: 'd', attempt: 2, maxAttempts: 3 })).not.toBeNull();
    expect(nextAttemptDelayMs({ deliveryId: 'd', attempt: 3, maxAttempts: 3 })).toBeNull();
  });
});
