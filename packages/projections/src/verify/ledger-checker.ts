/** The domain's streaming ledger checker, which verify feeds entry by entry. */
export { createLedgerChecker, type LedgerChecker } from '@tracktrove/domain';
