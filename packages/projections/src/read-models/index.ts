import type { Projection } from '../projection.ts';
import { ledgerProjection } from './ledger-projection.ts';
import { tracesProjection } from './traces-projection.ts';
import { transactionsProjection } from './transactions-projection.ts';

/**
 * Every read model of the transaction ledger. Each is rebuildable alone (none reads another's
 * tables) and ignores streams and event types it does not know, so read models of other streams
 * (webhook deliveries, settlement batches) are added by appending a Projection here.
 */
export const readModels: readonly Projection[] = [transactionsProjection, tracesProjection, ledgerProjection];
