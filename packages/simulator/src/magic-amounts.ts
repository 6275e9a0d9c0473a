/**
 * Magic amounts force an outcome, like a payment provider's test cards. They match on the amount in
 * minor units, in any currency, and win over the success rate and the failure-injection settings.
 *
 * | amount | effect |
 * |---|---|
 * | 1.01 | authorization always approved (even with successRate 0) |
 * | 4.02 | first attempt declined (`card_declined`), retries approved |
 * | 4.04 | every attempt declined, `insufficient_funds` -> PERMANENTLY_FAILED after the retries |
 * | 5.00 | every attempt declined, `do_not_honor` |
 * | 6.66 | the confirmation webhook is dropped (the hold then expires) |
 * | 7.77 | a refund of the transaction fails asynchronously (`refund.failed`) |
 * | 9.99 | the confirmation webhook is delivered twice (same webhook event id) |
 */
export type MagicEffect =
  | { kind: 'approve' }
  | { kind: 'decline'; code: string; reason: string; firstAttemptOnly: boolean }
  | { kind: 'drop_confirmation' }
  | { kind: 'refund_fails' }
  | { kind: 'duplicate_confirmation' };

export const magicAmounts: Readonly<Record<number, { effect: MagicEffect; description: string }>> = {
  101: { effect: { kind: 'approve' }, description: 'authorization always approved' },
  402: {
    effect: {
      kind: 'decline',
      code: 'card_declined',
      reason: 'card declined (magic amount 4.02, first attempt only)',
      firstAttemptOnly: true,
    },
    description: 'first attempt declined, retries approved',
  },
  404: {
    effect: { kind: 'decline', code: 'insufficient_funds', reason: 'insufficient funds (magic amount 4.04)', firstAttemptOnly: false },
    description: 'every attempt declined: insufficient_funds',
  },
  500: {
    effect: { kind: 'decline', code: 'do_not_honor', reason: 'do not honor (magic amount 5.00)', firstAttemptOnly: false },
    description: 'every attempt declined: do_not_honor',
  },
  666: { effect: { kind: 'drop_confirmation' }, description: 'confirmation webhook dropped' },
  777: { effect: { kind: 'refund_fails' }, description: 'refunds fail asynchronously' },
  999: { effect: { kind: 'duplicate_confirmation' }, description: 'confirmation webhook delivered twice' },
};

export function magicEffectOf(amountMinor: number): MagicEffect | null {
  return magicAmounts[amountMinor]?.effect ?? null;
}
