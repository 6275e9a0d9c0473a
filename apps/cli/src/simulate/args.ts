import type { ServerOptions } from '../server/target.ts';

/** What the command line asked for, as the command runs it. */
export interface SimulateArgs {
  readonly count: number;
  readonly seed: number;
  readonly successRate: number;
  readonly dropRate: number;
  readonly duplicateRate: number;
  readonly webhookDelayMs: number;
  readonly holdExpiry: 'release' | 'void';
  readonly refundRate: number;
  readonly refundFailureRate: number;
  readonly concurrency: number;
  readonly maxWaitS: number;
  readonly server: ServerOptions;
}
