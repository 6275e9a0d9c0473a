/** The initiate decider of the Emmett peer (emmett-initiate-main.ts): Emmett's Command and Event types, pure functions. */
import type { Command, Event } from '@event-driven-io/emmett';
import type { InitiatedData } from './initiate-route.ts';

export type InitiateTransaction = Command<'InitiateTransaction', InitiatedData, { correlationId: string; now: Date }>;

export type TransactionInitiated = Event<'TransactionInitiated', InitiatedData>;
export type EscrowHoldPlaced = Event<
  'EscrowHoldPlaced',
  { transactionId: string; amount: string | number; currency: string; expiresAt: string }
>;
export type InitiateEvent = TransactionInitiated | EscrowHoldPlaced;

export type TransactionState =
  | { readonly status: 'NONE' }
  | {
      readonly status: 'INITIATED' | 'ESCROW';
      readonly transactionId: string;
      readonly amount: string | number;
      readonly currency: string;
      readonly holdExpiresAt: string | null;
    };

export const initialState = (): TransactionState => ({ status: 'NONE' });

export function decide(command: InitiateTransaction, state: TransactionState): InitiateEvent[] {
  if (state.status !== 'NONE') throw new Error(`transaction ${command.data.transactionId} already exists`);
  const { data } = command;
  const expiresAt = new Date(command.metadata!.now.getTime() + data.escrowTtlMs).toISOString();
  return [
    { type: 'TransactionInitiated', data },
    { type: 'EscrowHoldPlaced', data: { transactionId: data.transactionId, amount: data.amount, currency: data.currency, expiresAt } },
  ];
}

export function evolve(state: TransactionState, event: InitiateEvent): TransactionState {
  switch (event.type) {
    case 'TransactionInitiated':
      return {
        status: 'INITIATED',
        transactionId: event.data.transactionId,
        amount: event.data.amount,
        currency: event.data.currency,
        holdExpiresAt: null,
      };
    case 'EscrowHoldPlaced':
      return state.status === 'NONE' ? state : { ...state, status: 'ESCROW', holdExpiresAt: event.data.expiresAt };
  }
}
