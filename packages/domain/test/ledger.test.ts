import { describe, expect, it } from 'vitest';
import {
  addFlow,
  decide,
  fundsMatchStatus,
  fundsMoves,
  initialState,
  postingsFor,
  applyEntry,
  awaitsSettlement,
  checkLedgerInvariants,
  emptyBalances,
  emptyFlows,
  evolve,
  escrowAccount,
  foldBalances,
  InvariantViolation,
  payerAccount,
  positionOfFlows,
  postedBalance,
  totalsOf,
  transactionStatuses,
  vendorAccount,
  type LedgerEntry,
  type TransactionState,
} from '../src/index.ts';
import {
  at,
  confirm,
  expire,
  initiate,
  authorize,
  openDispute,
  override,
  pathTo,
  refundSucceeded,
  requestRefund,
  resolveDispute,
  run,
  settle,
} from './fixtures.ts';

const payer = payerAccount('payer-1', 'INR');
const vendor = vendorAccount('vendor-1', 'INR');
const escrow = escrowAccount('INR');

function shape(entries: LedgerEntry[]) {
  return entries.map((e) => [e.type, e.phase, e.debitAccount, e.creditAccount, e.amountMinor]);
}

/** Posted and pending balances of the three accounts after a run. */
function positions(entries: LedgerEntry[]) {
  const balances = foldBalances(entries);
  const of = (account: string) => {
    const b = balances.accounts.get(account);
    return b ? { posted: postedBalance(b), pending: b.creditsPending - b.debitsPending } : { posted: 0, pending: 0 };
  };
  return { payer: of(payer), escrow: of(escrow), vendor: of(vendor) };
}

/** Where the money must be for a state, as account balances. */
function expectedPositions(state: TransactionState) {
  const a = state.amountMinor;
  switch (state.funds) {
    case 'payer':
      return { payer: { posted: 0, pending: 0 }, escrow: { posted: 0, pending: 0 }, vendor: { posted: 0, pending: 0 } };
    case 'held':
      return { payer: { posted: 0, pending: -a }, escrow: { posted: 0, pending: a }, vendor: { posted: 0, pending: 0 } };
    case 'escrow':
      return { payer: { posted: -a, pending: 0 }, escrow: { posted: a, pending: 0 }, vendor: { posted: 0, pending: 0 } };
    case 'vendor':
      return { payer: { posted: -a, pending: 0 }, escrow: { posted: 0, pending: 0 }, vendor: { posted: a, pending: 0 } };
  }
}

describe('postings of the lifecycle', () => {
  it('a hold is a pending transfer payer -> escrow; the webhook posts it; settlement moves escrow -> vendor', () => {
    const { entries } = run(pathTo.SETTLED);
    expect(shape(entries)).toEqual([
      ['ESCROW', 'pending', payer, escrow, 1250],
      ['ESCROW', 'post_pending', payer, escrow, 1250],
      ['SETTLEMENT', 'posted', escrow, vendor, 1250],
    ]);
    expect(entries.map((e) => e.entryId)).toEqual([
      `${entries[0]!.transactionId}:2:1`,
      `${entries[0]!.transactionId}:3:1`,
      `${entries[0]!.transactionId}:4:1`,
    ]);
    expect(entries[0]!.pendingId).toBe(entries[1]!.pendingId);
  });

  it.each([
    ['refund of a hold voids it', [...pathTo.ESCROW, requestRefund()], [['REFUND', 'void_pending', payer, escrow, 1250]]],
    [
      'expiry with void voids it',
      [initiate({ simulation: { onHoldExpiry: 'void' } }), authorize(), expire()],
      [['ESCROW', 'void_pending', payer, escrow, 1250]],
    ],
    ['expiry with release posts it', [...pathTo.ESCROW, expire()], [['ESCROW', 'post_pending', payer, escrow, 1250]]],
    [
      'refund before settlement: escrow -> payer',
      [...pathTo.COMPLETED, requestRefund(), refundSucceeded()],
      [['REFUND', 'posted', escrow, payer, 1250]],
    ],
    [
      'refund after settlement: vendor -> payer',
      [...pathTo.SETTLED, requestRefund(), refundSucceeded()],
      [['REFUND', 'posted', vendor, payer, 1250]],
    ],
    [
      'dispute lost before settlement: chargeback from escrow',
      [...pathTo.DISPUTE_OPEN, resolveDispute('LOST')],
      [['CHARGEBACK', 'posted', escrow, payer, 1250]],
    ],
    [
      'dispute lost after settlement: chargeback from vendor',
      [...pathTo.SETTLED, openDispute(), resolveDispute('LOST')],
      [['CHARGEBACK', 'posted', vendor, payer, 1250]],
    ],
    [
      'dispute won before settlement: the vendor is paid out of escrow',
      [...pathTo.DISPUTE_RESOLVED],
      [['SETTLEMENT', 'posted', escrow, vendor, 1250]],
    ],
    ['dispute won after settlement: funds stay with the vendor', [...pathTo.SETTLED, openDispute(), resolveDispute('WON')], []],
  ] as const)('%s', (_name, commands, last) => {
    const before = run(commands.slice(0, -1));
    const after = run(commands.slice(-1), before);
    expect(shape(after.entries.slice(before.entries.length))).toEqual(last);
    expect(checkLedgerInvariants(after.entries)).toEqual([]);
    expect(positions(after.entries)).toEqual(expectedPositions(after.state));
  });
});

describe('admin override keeps the ledger invariants for every status pair', () => {
  const pairs = transactionStatuses.flatMap((from) => transactionStatuses.filter((to) => to !== from).map((to) => [from, to] as const));

  it.each(pairs)('%s -> %s', (from, to) => {
    const result = run([override(to)], run(pathTo[from]));
    const last = result.events.at(-1);
    expect(last?.type).toBe('StatusOverridden');
    expect(last?.data).toMatchObject({ from, to, actor: { role: 'admin', id: 'ada' }, reason: 'support ticket 42' });
    expect(result.state.status).toBe(to);
    expect(checkLedgerInvariants(result.entries)).toEqual([]);
    expect(positions(result.entries)).toEqual(expectedPositions(result.state));
    // and the transaction can carry on from there by the table
    const back = run([override(from, at(600))], result);
    expect(checkLedgerInvariants(back.entries)).toEqual([]);
    expect(positions(back.entries)).toEqual(expectedPositions(back.state));
  });

  it('an override into ESCROW places a new hold that a later webhook posts', () => {
    const result = run([override('ESCROW', at(500)), confirm(at(510))], run(pathTo.REFUNDED));
    expect(result.state.status).toBe('COMPLETED');
    expect(checkLedgerInvariants(result.entries)).toEqual([]);
    expect(shape(result.entries.slice(-2))).toEqual([
      ['ADJUSTMENT', 'pending', payer, escrow, 1250],
      ['ESCROW', 'post_pending', payer, escrow, 1250],
    ]);
  });

  it('an override from SETTLED back to COMPLETED leaves it unsettled, so the next T+1 batch settles it again', () => {
    const result = run([override('COMPLETED', at(90_000)), settle('batch-2', at(180_000))], run(pathTo.SETTLED));
    expect(result.state).toMatchObject({ status: 'SETTLED', settlement: { batchId: 'batch-2' }, funds: 'vendor' });
    expect(checkLedgerInvariants(result.entries)).toEqual([]);
    expect(shape(result.entries.slice(-2))).toEqual([
      ['ADJUSTMENT', 'posted', vendor, escrow, 1250],
      ['SETTLEMENT', 'posted', escrow, vendor, 1250],
    ]);
    const reopened = run([override('COMPLETED', at(90_000))], run(pathTo.SETTLED)).state;
    expect(reopened).toMatchObject({ settlement: null, settledAt: null });
  });

  it.each(['ESCROW', 'RETRY_PENDING'] as const)(
    'an override from SETTLED to %s takes the payout back: completed again by the lifecycle, the next T+1 batch settles it',
    (to) => {
      // Found by packages/application/test/money-oracle.test.ts: the old settlement stayed in the
      // state, so the completed transaction was never a settlement candidate and its money stayed in escrow.
      const overridden = run([override(to, at(90_000))], run(pathTo.SETTLED));
      expect(overridden.state).toMatchObject({ funds: to === 'ESCROW' ? 'held' : 'payer', settlement: null, settledAt: null });
      const again = to === 'ESCROW' ? [confirm(at(90_010))] : [authorize('hold-2', at(90_005)), confirm(at(90_010))];
      const completed = run(again, overridden);
      expect(completed.state.status).toBe('COMPLETED');
      expect(awaitsSettlement(completed.state)).toBe(true);
      const settled = run([settle('batch-2', at(180_000))], completed);
      expect(settled.state).toMatchObject({ status: 'SETTLED', funds: 'vendor', settlement: { batchId: 'batch-2' } });
      expect(positions(settled.entries)).toEqual(expectedPositions(settled.state));
      expect(checkLedgerInvariants(settled.entries)).toEqual([]);
    },
  );

  it('an override that captures money completes the payment at its own time (T+1 counts from it); one that moves captured money keeps the first completion time', () => {
    const completed = run(pathTo.COMPLETED);
    const firstCompletion = completed.state.completedAt;
    expect(firstCompletion).not.toBeNull();
    // Money back at the payer, then captured again by an override: completed as of the override.
    const recaptured = run([override('REFUNDED', at(500)), override('COMPLETED', at(90_000))], completed);
    expect(recaptured.events.at(-1)).toMatchObject({ type: 'StatusOverridden', data: { completedAt: at(90_000) } });
    expect(recaptured.state).toMatchObject({ status: 'COMPLETED', completedAt: at(90_000) });
    // From a hold (ESCROW) straight to SETTLED: captured and paid out at the override's time.
    expect(run([override('SETTLED', at(20))], run(pathTo.ESCROW)).state).toMatchObject({ completedAt: at(20), settledAt: at(20) });
    // Captured money moving on (COMPLETED -> SETTLED -> COMPLETED) keeps the completion it had.
    const movedOn = run([override('SETTLED', at(500)), override('COMPLETED', at(600))], completed);
    expect(movedOn.events.slice(-2).map((event) => 'completedAt' in event.data)).toEqual([false, false]);
    expect(movedOn.state.completedAt).toBe(firstCompletion);
    // An override recorded before the field existed keeps the first completion time when replayed.
    const { completedAt: _omitted, ...legacy } = recaptured.events.at(-1)!.data as Record<string, unknown>;
    expect(
      evolve(run([override('REFUNDED', at(500))], completed).state, { type: 'StatusOverridden', data: legacy } as never).completedAt,
    ).toBe(firstCompletion);
  });

  it('an override out of ESCROW posts the hold before it expires, and voids it after (an expired hold can no longer be posted)', () => {
    // The hold of pathTo.ESCROW expires 30 s after at(1).
    const inTime = run([override('COMPLETED', at(20))], run(pathTo.ESCROW));
    expect(inTime.state.hold).toMatchObject({ state: 'posted', resolvedVia: 'override' });
    expect(shape(inTime.entries.slice(-1))).toEqual([['ADJUSTMENT', 'post_pending', payer, escrow, 1250]]);
    const late = run([override('SETTLED', at(40))], run(pathTo.ESCROW));
    expect(late.state.hold).toMatchObject({ state: 'voided', resolvedVia: 'override' });
    expect(shape(late.entries.slice(-3))).toEqual([
      ['ADJUSTMENT', 'void_pending', payer, escrow, 1250],
      ['ADJUSTMENT', 'posted', payer, escrow, 1250],
      ['ADJUSTMENT', 'posted', escrow, vendor, 1250],
    ]);
    for (const result of [inTime, late]) {
      expect(checkLedgerInvariants(result.entries)).toEqual([]);
      expect(positions(result.entries)).toEqual(expectedPositions(result.state));
    }
  });

  it.each([
    [
      'ESCROW',
      [
        ['ADJUSTMENT', 'post_pending', payer, escrow, 1250],
        ['ADJUSTMENT', 'posted', escrow, vendor, 1250],
      ],
    ],
    ['COMPLETED', [['ADJUSTMENT', 'posted', escrow, vendor, 1250]]],
    ['DISPUTE_OPEN', [['ADJUSTMENT', 'posted', escrow, vendor, 1250]]],
    ['SETTLED', []],
    ['FAILED', []],
  ] as const)(
    "an override from %s to DISPUTE_RESOLVED leaves no money in escrow: captured money is the vendor's (WON), none is LOST",
    (from, moves) => {
      // Found by packages/application/test/money-oracle.test.ts: the money stayed in escrow for good
      // (DISPUTE_RESOLVED is terminal, no settlement batch takes it).
      const before = run(pathTo[from]);
      const result = run([override('DISPUTE_RESOLVED', from === 'ESCROW' ? at(20) : at(500))], before);
      expect(shape(result.entries.slice(before.entries.length))).toEqual(moves);
      expect(result.state.funds).toBe(from === 'FAILED' ? 'payer' : 'vendor');
      expect(result.state.dispute?.outcome).toBe(from === 'FAILED' ? 'LOST' : 'WON');
      expect(positions(result.entries).escrow).toEqual({ posted: 0, pending: 0 });
      expect(checkLedgerInvariants(result.entries)).toEqual([]);
    },
  );

  it('an override out of ESCROW resolves the hold once; the old hold timer is then a no-op', () => {
    const result = run([override('FAILED'), expire('hold-1', at(900))], run(pathTo.ESCROW));
    expect(result.state.hold).toMatchObject({ state: 'voided', resolvedVia: 'override' });
    expect(shape(result.entries.slice(-1))).toEqual([['ADJUSTMENT', 'void_pending', payer, escrow, 1250]]);
  });
});

describe('applyEntry assertions', () => {
  const base: LedgerEntry = {
    entryId: 't:1:1',
    transactionId: 't',
    version: 1,
    type: 'ESCROW',
    debitAccount: payer,
    creditAccount: escrow,
    amountMinor: 100,
    currency: 'INR',
    phase: 'pending',
    pendingId: 't:h',
    at: at(0),
  };

  function violation(entries: LedgerEntry[]): string {
    const balances = emptyBalances();
    try {
      for (const entry of entries) applyEntry(balances, entry);
    } catch (error) {
      expect(error).toBeInstanceOf(InvariantViolation);
      expect((error as InvariantViolation).code).toBe('invariant_violation');
      return (error as InvariantViolation).message;
    }
    throw new Error('expected an InvariantViolation');
  }

  it.each([
    ['amount_positive', [{ ...base, amountMinor: 0 }], 'amount 0'],
    ['amount_positive', [{ ...base, amountMinor: 1.5 }], 'amount 1.5'],
    ['currency_supported', [{ ...base, currency: 'XYZ' as LedgerEntry['currency'] }], 'currency XYZ'],
    ['distinct_accounts', [{ ...base, creditAccount: payer }], `debits and credits ${payer}`],
    ['pending_created_once', [base, { ...base, entryId: 't:2:1' }], 'pending t:h exists'],
    ['pending_exists', [{ ...base, phase: 'post_pending' }], 'no pending t:h'],
    ['pending_id_required', [{ ...base, pendingId: null }], 'pending needs a pendingId'],
    ['pending_resolves_once', [base, { ...base, phase: 'post_pending' }, { ...base, phase: 'void_pending' }], 'pending t:h already posted'],
    ['pending_resolves_once', [base, { ...base, phase: 'void_pending' }, { ...base, phase: 'post_pending' }], 'pending t:h already voided'],
    ['pending_matches', [base, { ...base, phase: 'post_pending', amountMinor: 99 }], 'does not match pending t:h'],
    ['pending_matches', [base, { ...base, phase: 'void_pending', debitAccount: 'payer:other:INR' }], 'does not match pending t:h'],
    ['pending_matches', [base, { ...base, phase: 'post_pending', creditAccount: vendor }], 'does not match pending t:h'],
    ['escrow_not_negative', [{ ...base, phase: 'posted', pendingId: null, debitAccount: escrow, creditAccount: vendor }], 'escrow 0 < 100'],
    [
      'escrow_not_negative',
      [
        { ...base, debitAccount: escrow, creditAccount: vendor },
        { ...base, entryId: 't:2:1', phase: 'post_pending', debitAccount: escrow, creditAccount: vendor },
      ],
      'escrow 0 < 100',
    ],
    ['single_currency', [base, { ...base, pendingId: 't:h2', currency: 'USD' }], `${payer} is INR`],
    ['posted_has_no_pending', [{ ...base, phase: 'posted' }], 'a posted transfer names a pending one'],
  ] as const)('%s (case %#)', (invariant, entries, message) => {
    expect(violation([...entries] as LedgerEntry[])).toBe(`${invariant}: entry ${entries.at(-1)!.entryId}: ${message}`);
  });

  it('a pending transfer resolved is marked posted or voided', () => {
    expect(foldBalances([base, { ...base, phase: 'post_pending' }]).pendings.get('t:h')).toMatchObject({
      pendingId: 't:h',
      state: 'posted',
    });
    expect(foldBalances([base, { ...base, phase: 'void_pending' }]).pendings.get('t:h')).toMatchObject({
      pendingId: 't:h',
      state: 'voided',
    });
  });

  it('totals sum every account per currency', () => {
    const usd: LedgerEntry = {
      ...base,
      entryId: 'u:1:1',
      transactionId: 'u',
      pendingId: 'u:h',
      currency: 'USD',
      debitAccount: 'payer:p:USD',
      creditAccount: 'escrow:USD',
      amountMinor: 7,
    };
    expect(totalsOf(foldBalances([base, { ...base, phase: 'post_pending' }, usd]))).toEqual({
      INR: { debitsPosted: 100, creditsPosted: 100, debitsPending: 0, creditsPending: 0 },
      USD: { debitsPosted: 0, creditsPosted: 0, debitsPending: 7, creditsPending: 7 },
    });
  });

  it('a failed assertion leaves the balances untouched', () => {
    const balances = foldBalances([base]);
    expect(() => applyEntry(balances, { ...base, phase: 'post_pending', amountMinor: 5 })).toThrow(InvariantViolation);
    expect(balances.accounts.get(escrow)).toEqual({
      currency: 'INR',
      debitsPosted: 0,
      creditsPosted: 0,
      debitsPending: 0,
      creditsPending: 100,
    });
    expect(balances.entryCount).toBe(1);
  });

  it('checkLedgerInvariants reports instead of throwing', () => {
    const report = checkLedgerInvariants([base, { ...base, phase: 'post_pending' }, { ...base, entryId: 't:3:1', phase: 'void_pending' }]);
    expect(report.map((v) => v.invariant)).toEqual(['entry_id_unique', 'pending_resolves_once']);
    expect(report[0]).toEqual({ invariant: 'entry_id_unique', message: 'duplicate entry t:1:1', entryId: 't:1:1' });
  });

  it('balances as of any prefix', () => {
    const { entries } = run([...pathTo.SETTLED, requestRefund(), refundSucceeded(at(90_000))]);
    const escrowAfter = entries.map((_, n) => postedBalance(foldBalances(entries.slice(0, n + 1)).accounts.get(escrow)!));
    expect(escrowAfter).toEqual([0, 1250, 0, 0]);
  });
});

describe('the ledger checker, fed bad entries', () => {
  const id = 't';
  const hold: LedgerEntry = {
    entryId: 't:2:1',
    transactionId: id,
    version: 2,
    type: 'ESCROW',
    debitAccount: payer,
    creditAccount: escrow,
    amountMinor: 100,
    currency: 'INR',
    phase: 'pending',
    pendingId: 't:h',
    at: at(0),
  };
  const post: LedgerEntry = { ...hold, entryId: 't:3:1', version: 3, phase: 'post_pending' };
  const settlement: LedgerEntry = {
    ...hold,
    entryId: 't:4:1',
    version: 4,
    type: 'SETTLEMENT',
    phase: 'posted',
    pendingId: null,
    debitAccount: escrow,
    creditAccount: vendor,
  };
  const stateOf = (status: TransactionState['status']) => ({ status }) as TransactionState;
  const invariantsOf = (entries: LedgerEntry[], transactions?: ReadonlyMap<string, TransactionState>) =>
    checkLedgerInvariants(entries, transactions).map((v) => v.invariant);

  it('a sound ledger, checked against the statuses, reports nothing', () => {
    expect(invariantsOf([hold, post, settlement], new Map([[id, stateOf('SETTLED')]]))).toEqual([]);
    expect(invariantsOf([hold], new Map([[id, stateOf('ESCROW')]]))).toEqual([]);
    expect(invariantsOf([hold, { ...post, phase: 'void_pending' }], new Map([[id, stateOf('REFUNDED')]]))).toEqual([]);
  });

  it.each([
    ['entry_id_unique', [hold, { ...post, entryId: hold.entryId }]],
    ['distinct_accounts', [{ ...hold, creditAccount: payer }]],
    ['amount_positive', [{ ...hold, amountMinor: 0 }]],
    ['amount_positive (negative)', [{ ...hold, amountMinor: -100 }]],
    ['currency_supported', [{ ...hold, currency: 'XYZ' as LedgerEntry['currency'] }]],
    ['escrow_not_negative', [settlement]],
  ] as const)('an entry that does not apply: %s', (invariant, entries) => {
    expect(invariantsOf([...entries])).toContain(invariant.split(' ')[0]);
  });

  it.each([
    ['two amounts in one transaction', [hold, post, { ...settlement, amountMinor: 50 }], 'its entries move different amounts (100, 50)'],
    [
      'two currencies in one transaction',
      [
        hold,
        { ...hold, entryId: 't:5:1', pendingId: 't:h2', currency: 'USD', debitAccount: 'payer:payer-1:USD', creditAccount: 'escrow:USD' },
      ],
      'its entries move different currencies (INR, USD)',
    ],
    ['two holds open at once', [hold, { ...hold, entryId: 't:5:1', pendingId: 't:h2' }], '2 holds open'],
    [
      'a hold open while money is posted',
      [hold, post, { ...hold, entryId: 't:5:1', pendingId: 't:h2' }],
      `a hold open while money is posted (${payer} -100, ${escrow} 100)`,
    ],
    [
      'money split between escrow and a vendor',
      [
        hold,
        post,
        { ...settlement, amountMinor: 100 },
        { ...settlement, entryId: 't:6:1', debitAccount: vendor, creditAccount: escrow, amountMinor: 100 },
        { ...settlement, entryId: 't:7:1' },
        { ...settlement, entryId: 't:8:1', debitAccount: payer, creditAccount: escrow, phase: 'posted' },
      ],
      `its money is not whole in one place (${payer} -200, ${escrow} 100, ${vendor} 100)`,
    ],
    [
      'money moved twice from the payer',
      [
        { ...settlement, entryId: 't:2:1', debitAccount: payer, creditAccount: escrow },
        { ...settlement, entryId: 't:3:1', debitAccount: payer, creditAccount: escrow },
      ],
      `its money is not whole in one place (${payer} -200, ${escrow} 200)`,
    ],
    [
      'money paid by someone other than the payer',
      [{ ...settlement, debitAccount: 'vendor:other:INR', creditAccount: vendor, entryId: 't:2:1' }],
      `its money is not whole in one place (vendor:other:INR -100, ${vendor} 100)`,
    ],
    [
      'money paid by another payer too',
      [
        { ...settlement, entryId: 't:2:1', debitAccount: payer, creditAccount: vendor },
        { ...settlement, entryId: 't:3:1', debitAccount: 'payer:other:INR', creditAccount: escrow },
        { ...settlement, entryId: 't:4:1', debitAccount: escrow, creditAccount: 'vendor:other:INR' },
      ],
      `its money is not whole in one place (${payer} -100, ${vendor} 100, payer:other:INR -100, vendor:other:INR 100)`,
    ],
    [
      'money posted to another payer',
      [{ ...settlement, debitAccount: payer, creditAccount: 'payer:other:INR', entryId: 't:2:1' }],
      `its money is not whole in one place (${payer} -100, payer:other:INR 100)`,
    ],
    [
      'money posted to an account of no party',
      [{ ...settlement, debitAccount: payer, creditAccount: 'fees:INR', entryId: 't:2:1' }],
      'its money went to fees:INR, neither escrow nor a vendor',
    ],
  ] as const)('a transaction whose entries do not balance: %s', (_name, entries, message) => {
    expect(checkLedgerInvariants([...entries])).toEqual([
      { invariant: 'transaction_balances', message: `transaction ${id}: ${message}`, entryId: null },
    ]);
  });

  it.each([
    ['at the payer', [], 'payer'],
    ['held', [hold], 'held'],
    ['held again after a void', [hold, { ...post, phase: 'void_pending' }, { ...hold, entryId: 't:4:1', pendingId: 't:h2' }], 'held'],
    ['at the payer after a void', [hold, { ...post, phase: 'void_pending' }], 'payer'],
    ['in escrow', [hold, post], 'escrow'],
    ['with the vendor', [hold, post, settlement], 'vendor'],
  ] as const)('the flows of a sound transaction end where its money is: %s', (_name, entries, position) => {
    const flows = emptyFlows();
    for (const entry of entries) addFlow(flows, entry);
    expect(positionOfFlows(flows)).toEqual({ position });
  });

  it('entries of a transaction that has no events: transaction_known', () => {
    expect(invariantsOf([hold, post], new Map([[id, stateOf('COMPLETED')]]))).toEqual([]);
    expect(checkLedgerInvariants([hold, post], new Map([['other', stateOf('INITIATED')]]))).toEqual([
      { invariant: 'transaction_known', message: 'entries for transaction t, which has no events', entryId: null },
    ]);
  });

  it.each([
    ['SETTLED with the money still in escrow', [hold, post], 'SETTLED'],
    ['COMPLETED with the money still held', [hold], 'COMPLETED'],
    ['ESCROW with no hold placed', [], 'ESCROW'],
    ['REFUNDED with the money at the vendor', [hold, post, settlement], 'REFUNDED'],
    ['DISPUTE_OPEN with the money held', [hold], 'DISPUTE_OPEN'],
  ] as const)('net flows that do not end where the status says: %s', (_name, entries, status) => {
    expect(invariantsOf([...entries], new Map([[id, stateOf(status)]]))).toEqual(['flows_match_status']);
  });

  it('a transaction whose entries do not balance is not judged against its status too; a transaction with no events yet has nothing to match', () => {
    expect(invariantsOf([hold, { ...hold, entryId: 't:5:1', pendingId: 't:h2' }], new Map([[id, stateOf('SETTLED')]]))).toEqual([
      'transaction_balances',
    ]);
    expect(invariantsOf([], new Map([[id, stateOf('NEW')]]))).toEqual([]);
  });

  it('names the status and both places when the flows do not match it', () => {
    expect(checkLedgerInvariants([hold, post], new Map([[id, stateOf('SETTLED')]]))).toEqual([
      {
        invariant: 'flows_match_status',
        message: 'transaction t is SETTLED but its entries leave its money at escrow, not vendor',
        entryId: null,
      },
    ]);
  });

  it('a hold that is not into escrow leaves the escrow pending unexplained: pending_explained', () => {
    expect(checkLedgerInvariants([{ ...hold, creditAccount: vendor }])).toEqual([
      { invariant: 'pending_explained', message: 'escrow pending 0 != open holds 100', entryId: null },
    ]);
  });
});

describe('postings guards', () => {
  it('moving money to where it already is moves nothing', () => {
    for (const position of ['payer', 'held', 'escrow', 'vendor'] as const) expect(fundsMoves(position, position)).toEqual([]);
  });

  it('refuses to place a hold the state after the event does not hold, or to resolve one that is not pending', () => {
    const before = run(pathTo.INITIATED).state;
    const [placed] = decide(authorize(), before);
    const after = evolve(before, placed!);
    const placing = (hold: TransactionState['hold']) => () => postingsFor(before, placed!, { ...after, hold });
    expect(placing({ ...after.hold!, state: 'voided' })).toThrow(
      new InvariantViolation('hold_placed', 'placing a hold that is not pending'),
    );
    expect(placing(null)).toThrow(new InvariantViolation('hold_placed', 'placing a hold that is not pending'));
    const escrowed = run(pathTo.ESCROW).state;
    const [posted] = decide(confirm(), escrowed);
    const resolving = (hold: TransactionState['hold']) => () => postingsFor({ ...escrowed, hold }, posted!, evolve(escrowed, posted!));
    expect(resolving({ ...escrowed.hold!, state: 'posted' })).toThrow(
      new InvariantViolation('hold_resolves_once', 'resolving a hold that is posted'),
    );
    expect(resolving(null)).toThrow(new InvariantViolation('hold_resolves_once', 'resolving a hold that is missing'));
  });
});

describe('fundsMatchStatus', () => {
  it('is false when the money is not where the status says', () => {
    expect(fundsMatchStatus(run(pathTo.SETTLED).state)).toBe(true);
    expect(fundsMatchStatus({ ...run(pathTo.SETTLED).state, funds: 'escrow' })).toBe(false);
    expect(fundsMatchStatus(initialState())).toBe(true);
  });
});
