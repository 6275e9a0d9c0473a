import type { FundsPosition } from '../status.ts';
import { isEscrowAccount, type AccountId } from './accounts.ts';
import type { LedgerEntry } from './ledger-entry.ts';

/**
 * One transaction's entries folded to where its money is: the net posted flow per account, the
 * holds it has open, and the amounts and currencies its entries moved (one each when sound).
 */
export type TransactionFlows = {
  netPosted: Map<AccountId, number>;
  openHolds: Set<string>;
  amountsMinor: Set<number>;
  currencies: Set<string>;
};

export function emptyFlows(): TransactionFlows {
  return { netPosted: new Map(), openHolds: new Set(), amountsMinor: new Set(), currencies: new Set() };
}

/** Adds one entry (one that applied to the balances) to its transaction's flows. */
export function addFlow(flows: TransactionFlows, entry: LedgerEntry): void {
  flows.amountsMinor.add(entry.amountMinor);
  flows.currencies.add(entry.currency);
  const pendingId = entry.pendingId ?? '';
  if (entry.phase === 'pending') flows.openHolds.add(pendingId);
  else if (entry.phase !== 'posted') flows.openHolds.delete(pendingId);
  if (entry.phase === 'posted' || entry.phase === 'post_pending') {
    const { debitAccount, creditAccount, amountMinor } = entry;
    flows.netPosted.set(debitAccount, (flows.netPosted.get(debitAccount) ?? 0) - amountMinor);
    flows.netPosted.set(creditAccount, (flows.netPosted.get(creditAccount) ?? 0) + amountMinor);
  }
}

/**
 * Where a transaction's money ends by its entries, or why it is nowhere whole: its entries move
 * one amount in one currency, and end with nothing posted (at the payer, or held by one open hold)
 * or with the whole amount posted from the payer to escrow or to a vendor, and no hold open.
 */
export function positionOfFlows(flows: TransactionFlows): { position: FundsPosition } | { problem: string } {
  if (flows.amountsMinor.size > 1) return { problem: `its entries move different amounts (${[...flows.amountsMinor].join(', ')})` };
  if (flows.currencies.size > 1) return { problem: `its entries move different currencies (${[...flows.currencies].join(', ')})` };
  const [amountMinor = 0] = flows.amountsMinor;
  const moved = [...flows.netPosted].filter(([, net]) => net !== 0);
  const describe = () => moved.map(([account, net]) => `${account} ${net}`).join(', ');
  if (flows.openHolds.size > 1) return { problem: `${flows.openHolds.size} holds open` };
  if (moved.length === 0) return { position: flows.openHolds.size === 1 ? 'held' : 'payer' };
  if (flows.openHolds.size === 1) return { problem: `a hold open while money is posted (${describe()})` };
  // Each posted entry moves its amount out of one account and into another, so the nets sum to zero:
  // two accounts moved, one of them the payer's and one up by the amount, means the amount went
  // whole from the payer to the other.
  const to = moved.find(([, net]) => net === amountMinor);
  if (moved.length !== 2 || moved.filter(([account]) => account.startsWith('payer:')).length !== 1 || !to) {
    return { problem: `its money is not whole in one place (${describe()})` };
  }
  const [account] = to;
  if (isEscrowAccount(account)) return { position: 'escrow' };
  if (account.startsWith('vendor:')) return { position: 'vendor' };
  return { problem: `its money went to ${account}, neither escrow nor a vendor` };
}
