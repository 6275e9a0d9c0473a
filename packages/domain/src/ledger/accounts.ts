import type { Currency } from '../money/currency.ts';
import type { FundsPosition } from '../status.ts';

/**
 * Account ids carry their currency (one ledger per currency, as in
 * TigerBeetle), so balances never mix currencies:
 * `payer:<payerId>:INR`, `escrow:INR`, `vendor:<vendorId>:INR`.
 */
export type AccountId = string;

export function payerAccount(payerId: string, currency: Currency): AccountId {
  return `payer:${payerId}:${currency}`;
}

export function vendorAccount(vendorId: string, currency: Currency): AccountId {
  return `vendor:${vendorId}:${currency}`;
}

export function escrowAccount(currency: Currency): AccountId {
  return `escrow:${currency}`;
}

export function isEscrowAccount(account: AccountId): boolean {
  return account.startsWith('escrow:');
}

/** The account that holds a transaction's posted money at a funds position (held money is still the payer's). */
export function accountAt(
  position: Exclude<FundsPosition, 'held'>,
  parties: { payerId: string; vendorId: string; currency: Currency },
): AccountId {
  switch (position) {
    case 'payer':
      return payerAccount(parties.payerId, parties.currency);
    case 'escrow':
      return escrowAccount(parties.currency);
    case 'vendor':
      return vendorAccount(parties.vendorId, parties.currency);
  }
}
