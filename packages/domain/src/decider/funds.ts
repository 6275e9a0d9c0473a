import type { FundsPosition, TransactionStatus } from '../status.ts';
import type { TransactionState } from './state.ts';

/**
 * Where the money must be for a status, given where it is now. Used by the
 * admin override so that funds always end where the target status says:
 * nothing moved before ESCROW and after failures or refunds, a pending hold
 * in ESCROW, posted in escrow when COMPLETED, with the vendor when SETTLED.
 * An open dispute keeps captured money where it is (a held amount is posted
 * first). A resolved dispute with the money at the payer reads as LOST; any
 * other reads as WON, so the vendor has the money, paid out of escrow if it
 * was never settled (as DisputeResolved WON does): DISPUTE_RESOLVED is
 * terminal and no settlement batch takes it, so money left in escrow would
 * stay there for good.
 */
export function fundsForStatus(status: TransactionStatus, current: FundsPosition): FundsPosition {
  switch (status) {
    case 'INITIATED':
    case 'FAILED':
    case 'RETRY_PENDING':
    case 'PERMANENTLY_FAILED':
    case 'REFUNDED':
      return 'payer';
    case 'ESCROW':
      return 'held';
    case 'COMPLETED':
      return 'escrow';
    case 'SETTLED':
      return 'vendor';
    case 'DISPUTE_OPEN':
      return current === 'vendor' ? 'vendor' : 'escrow';
    case 'DISPUTE_RESOLVED':
      return current === 'payer' ? 'payer' : 'vendor';
  }
}

/** Whether the payer's money has been captured: posted to escrow or paid on to the vendor. */
export function isCaptured(funds: FundsPosition): boolean {
  return funds === 'escrow' || funds === 'vendor';
}

/**
 * Whether the money is where the transaction's status says (fundsForStatus). The decider keeps
 * it so; a transaction whose money is elsewhere (written by an older version's bug) is stuck, and
 * only an admin override moves it.
 */
export function fundsMatchStatus(state: TransactionState): boolean {
  return state.status === 'NEW' || fundsForStatus(state.status, state.funds) === state.funds;
}
