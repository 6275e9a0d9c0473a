import { eventDataSchemas } from '@tracktrove/domain';
import { describe, expect, it } from 'vitest';
import { endpointEventTypeOf, endpointEventTypes, endpointWants } from '../src/index.ts';

describe('endpoint event types', () => {
  it('every type comes from some stored transaction event, and only RefundRequested makes none', () => {
    const stored = Object.keys(eventDataSchemas);
    const made = new Set(stored.map(endpointEventTypeOf).filter((type) => type !== null));
    expect([...made].sort()).toEqual([...endpointEventTypes].sort());
    expect(stored.filter((type) => endpointEventTypeOf(type) === null)).toEqual(['RefundRequested']);
    expect(endpointEventTypeOf('WebhookDeliveryScheduled')).toBeNull();
    expect(endpointEventTypeOf('toString')).toBeNull();
  });

  it('an empty selection wants every type', () => {
    expect(endpointWants([], 'transaction.settled')).toBe(true);
    expect(endpointWants(['transaction.completed'], 'transaction.settled')).toBe(false);
    expect(endpointWants(['transaction.completed'], 'transaction.completed')).toBe(true);
  });
});
