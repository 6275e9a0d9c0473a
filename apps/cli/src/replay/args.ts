import type { ServerOptions } from '../server/target.ts';

/** What the command line asked for, as the command runs it. */
export interface ReplayArgs {
  readonly transactionId: string;
  readonly server: ServerOptions;
}
