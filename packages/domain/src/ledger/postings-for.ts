import { InvariantViolation } from '../errors.ts';
import { evolve } from '../decider/evolve.ts';
import type { TransactionState } from '../decider/state.ts';
import { occurredAt } from '../events/occurred-at.ts';
import type { TransactionEvent } from '../events/transaction-event.ts';
import type { FundsPosition } from '../status.ts';
import { accountAt, escrowAccount, payerAccount } from './accounts.ts';
import { type LedgerEntry, type LedgerEntryType, type LedgerPhase, pendingIdOf } from './ledger-entry.ts';

type PostedPosition = Exclude<FundsPosition, 'held'>;
type Move =
  | { kind: 'place_hold' }
  | { kind: 'post_hold' }
  | { kind: 'void_hold' }
  | { kind: 'transfer'; from: PostedPosition; to: PostedPosition };

/**
 * The moves that take a transaction's money from one funds position to
 * another, in an order that never overdraws escrow: resolve a held amount
 * first, go payer -> escrow -> vendor through escrow, and place a new hold last.
 */
export function fundsMoves(from: FundsPosition, to: FundsPosition): Move[] {
  if (from === to) return [];
  const moves: Move[] = [];
  let at: PostedPosition;
  if (from === 'held') {
    if (to === 'payer') return [{ kind: 'void_hold' }];
    moves.push({ kind: 'post_hold' });
    at = 'escrow';
  } else {
    at = from;
  }
  const target: PostedPosition = to === 'held' ? 'payer' : to;
  if (at === 'payer' && target === 'vendor') {
    moves.push({ kind: 'transfer', from: 'payer', to: 'escrow' }, { kind: 'transfer', from: 'escrow', to: 'vendor' });
  } else if (at !== target) {
    moves.push({ kind: 'transfer', from: at, to: target });
  }
  if (to === 'held') moves.push({ kind: 'place_hold' });
  return moves;
}

function entryTypeOf(event: TransactionEvent): LedgerEntryType {
  switch (event.type) {
    case 'TransactionSettled':
      return 'SETTLEMENT';
    case 'RefundSucceeded':
      return 'REFUND';
    case 'EscrowHoldVoided':
      return event.data.via === 'refund' ? 'REFUND' : 'ESCROW';
    case 'DisputeResolved':
      return event.data.outcome === 'WON' ? 'SETTLEMENT' : 'CHARGEBACK';
    case 'StatusOverridden':
      return 'ADJUSTMENT';
    default:
      return 'ESCROW';
  }
}

/**
 * The double-entry postings an event causes, derived only from the state
 * before it and the event (pure; a rebuild gives the same entries). Pass
 * `after` when already folded to skip a second evolve.
 */
export function postingsFor(
  before: TransactionState,
  event: TransactionEvent,
  after: TransactionState = evolve(before, event),
): LedgerEntry[] {
  // A hold voided on the way to funds that are not the payer's (an override past the hold's
  // expiry): the payer's money goes again, as a posted transfer.
  const moves: Move[] =
    before.funds === 'held' && after.funds !== 'payer' && after.funds !== 'held' && after.hold?.state === 'voided'
      ? [{ kind: 'void_hold' }, ...fundsMoves('payer', after.funds)]
      : fundsMoves(before.funds, after.funds);
  // Most events move no money: nothing below is worth computing for them.
  if (moves.length === 0) return [];
  const { transactionId, currency, amountMinor, version } = after;
  const type = entryTypeOf(event);
  const at = occurredAt(event);
  const accounts = { payer: payerAccount(after.payerId, currency), escrow: escrowAccount(currency) };
  return moves.map(
    (move, index): LedgerEntry => ({
      entryId: `${transactionId}:${version}:${index + 1}`,
      transactionId,
      version,
      type,
      amountMinor,
      currency,
      at,
      ...postingOf(move, before, after, accounts),
    }),
  );
}

type Posting = Pick<LedgerEntry, 'debitAccount' | 'creditAccount' | 'phase' | 'pendingId'>;
type HoldMove = Exclude<Move, { kind: 'transfer' }>;

/** A hold is placed, posted or voided payer -> escrow, each in its own phase, named by its pending id. */
const holdPhases = { place_hold: 'pending', post_hold: 'post_pending', void_hold: 'void_pending' } as const satisfies Record<
  HoldMove['kind'],
  LedgerPhase
>;

/** What one move posts: a hold's phase, or a transfer posted at once between two positions' accounts. */
function postingOf(
  move: Move,
  before: TransactionState,
  after: TransactionState,
  accounts: { readonly payer: string; readonly escrow: string },
): Posting {
  if (move.kind === 'transfer') {
    return { debitAccount: accountAt(move.from, after), creditAccount: accountAt(move.to, after), phase: 'posted', pendingId: null };
  }
  const { holdId } = pendingHoldOf(move, before, after);
  return {
    debitAccount: accounts.payer,
    creditAccount: accounts.escrow,
    phase: holdPhases[move.kind],
    pendingId: pendingIdOf(after.transactionId, holdId),
  };
}

/** The hold a move places (the state after it has it) or resolves (the state before it has it): pending either way. */
function pendingHoldOf(move: HoldMove, before: TransactionState, after: TransactionState): { holdId: string } {
  if (move.kind === 'place_hold') {
    if (after.hold?.state !== 'pending') throw new InvariantViolation('hold_placed', 'placing a hold that is not pending');
    return after.hold;
  }
  const hold = before.hold;
  if (hold?.state !== 'pending') throw new InvariantViolation('hold_resolves_once', `resolving a hold that is ${hold?.state ?? 'missing'}`);
  return hold;
}
