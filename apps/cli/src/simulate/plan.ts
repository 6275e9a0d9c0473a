import type { InitiateInput } from '@tracktrove/application';
import type { Channel, TransactionKind } from '@tracktrove/domain';
import { magicEffectOf, seededRandom } from '@tracktrove/simulator';
import type { SimulateArgs } from './args.ts';

/** Five sandbox vendors, the same in every run (fixed ids, so a seed tells the same story again). */
export const simulatedVendorIds = [
  '6b1f3c2e-5d4a-5e8b-9c7d-1a2b3c4d5e01',
  '6b1f3c2e-5d4a-5e8b-9c7d-1a2b3c4d5e02',
  '6b1f3c2e-5d4a-5e8b-9c7d-1a2b3c4d5e03',
  '6b1f3c2e-5d4a-5e8b-9c7d-1a2b3c4d5e04',
  '6b1f3c2e-5d4a-5e8b-9c7d-1a2b3c4d5e05',
] as const;

const channels: readonly Channel[] = ['WEB', 'MOBILE', 'API', 'POS'];
const kinds: readonly TransactionKind[] = ['TIP', 'BID_ADJUSTMENT', 'LOYALTY_CREDIT', 'PAYMENT'];

export interface AmountLimits {
  readonly minMinor: number;
  readonly maxMinor: number;
}

/** Transaction i's simulation seed: S + i (at most 2^31 - 1 + 99,999, within the seed's 32 bits). */
export function transactionSeed(args: Pick<SimulateArgs, 'seed'>, index: number): number {
  return args.seed + index;
}

/**
 * An amount drawn from the seed within the limits, moved off the magic amounts (their forced
 * outcomes would not be the flags' doing).
 */
export function simulatedAmountMinor(seed: number, limits: AmountLimits): number {
  const span = limits.maxMinor - limits.minMinor + 1;
  let amountMinor = limits.minMinor + Math.floor(seededRandom(seed, 'cli-simulate-amount')() * span);
  for (let step = 0; magicEffectOf(amountMinor) !== null && step < 16; step += 1) {
    amountMinor = amountMinor < limits.maxMinor ? amountMinor + 1 : limits.minMinor;
  }
  return amountMinor;
}

/** What transaction i of a simulation initiates: everything from its index and its seed. */
export function initiateInputOf(args: SimulateArgs, index: number, limits: AmountLimits): InitiateInput {
  const seed = transactionSeed(args, index);
  return {
    vendorId: simulatedVendorIds[index % simulatedVendorIds.length]!,
    amountMinor: simulatedAmountMinor(seed, limits),
    currency: 'INR',
    channel: channels[index % channels.length]!,
    kind: kinds[Math.floor(index / channels.length) % kinds.length]!,
    payload: { simulated: true, seed: args.seed, index },
    simulation: {
      seed,
      successRate: args.successRate,
      onHoldExpiry: args.holdExpiry,
      refundFailureRate: args.refundFailureRate,
      webhook: { dropRate: args.dropRate, duplicateRate: args.duplicateRate, delayMs: args.webhookDelayMs },
    },
  };
}

/** Whether transaction i is refunded once completed (drawn from its seed). */
export function refundsTransaction(args: SimulateArgs, index: number): boolean {
  return args.refundRate > 0 && seededRandom(transactionSeed(args, index), 'cli-simulate-refund')() < args.refundRate;
}
