import { describe, expect, it } from 'vitest';
import { transactionIdOf, transactionStreamId, transactionStreamPrefix } from '../src/index.ts';
import { transactionId } from './fixtures.ts';

describe('transaction streams', () => {
  it("name a transaction's stream txn-<id>, and read the id back only from such a stream", () => {
    expect(transactionStreamPrefix).toBe('txn-');
    expect(transactionStreamId(transactionId)).toBe(`txn-${transactionId}`);
    expect(transactionIdOf(transactionStreamId(transactionId))).toBe(transactionId);
    for (const other of ['settlement-2025-03-01', `x-txn-${transactionId}`, `${transactionId}-txn-`, 'TXN-1', '']) {
      expect(transactionIdOf(other), other).toBeNull();
    }
  });
});
