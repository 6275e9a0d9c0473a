import type { ServerOptions } from '../server/target.ts';

/** What the command line asked for, as the command runs it. */
export type ProjectionsArgs = (
  | { readonly action: 'status' }
  | { readonly action: 'rebuild'; readonly name: string }
  | { readonly action: 'verify' }
) & { readonly server: ServerOptions };
