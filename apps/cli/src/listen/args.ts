import type { EndpointEventType } from '@tracktrove/webhooks';
import type { ServerOptions } from '../server/target.ts';

/** What the command line asked for, as listen runs it. */
export interface ListenArgs {
  readonly forwardTo: string;
  /** The delivery types forwarded; empty means every one. */
  readonly events: readonly EndpointEventType[];
  /** Where the stream starts: after this position, or `end` (from now). */
  readonly from: string;
  readonly failures: {
    readonly dropRate: number;
    readonly duplicateRate: number;
    readonly delayMs: number;
    readonly reorder: boolean;
    readonly slowRate: number;
  };
  readonly seed: number;
  readonly maxAttempts: number;
  readonly server: ServerOptions;
}
