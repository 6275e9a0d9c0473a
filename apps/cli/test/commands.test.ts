import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@tracktrove/api';
import { createTestDatabase, type TestDatabase } from '@tracktrove/testing';
import { openServices } from '../src/services.ts';
import { runCli } from './run-cli.ts';

async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Each simulated transaction by index: its amount and the types of its events, in order. */
async function storiesByIndex(url: string): Promise<string[]> {
  const rows = await query<{ index: number; amount: string; types: string }>(
    url,
    `
    select (i.data->'payload'->>'index')::int as index, i.data->>'amountMinor' as amount, string_agg(e.type, ',' order by e.stream_version) as types
      from tt_events i join tt_events e on e.stream_id = i.stream_id
     where i.type = 'TransactionInitiated' and i.data->'payload'->>'simulated' = 'true'
     group by 1, 2 order by 1`,
  );
  return rows.map((row) => `${row.index} ${row.amount} ${row.types}`);
}

/** The lines of a summary from its table to its ledger line: nothing that depends on timing. */
function outcomeLines(stdout: string): string {
  const lines = stdout.split('\n');
  const from = lines.findIndex((line) => line.startsWith('final status'));
  const to = lines.findIndex((line) => line.startsWith('ledger:'));
  return lines.slice(from, to + 1).join('\n');
}

const simulateArgs = [
  'simulate',
  '--count',
  '40',
  '--seed',
  '7',
  '--success-rate',
  '0.5',
  '--drop-webhooks',
  '0.3',
  '--duplicate-webhooks',
  '0.3',
  '--hold-expiry',
  'void',
  '--refund-rate',
  '0.5',
  '--refund-failure-rate',
  '0.5',
];

describe('the tracktrove commands against PostgreSQL', () => {
  let first: TestDatabase;
  let second: TestDatabase;
  const on = (database: TestDatabase) => ({ DATABASE_URL: database.url });

  beforeAll(async () => {
    [first, second] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  });
  afterAll(async () => {
    await Promise.all([first?.drop(), second?.drop()]);
  });

  it('migrates, naming what it applied, then finds nothing to migrate', async () => {
    const applied = await runCli(['migrate'], on(first));
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/^applied \d+ migrations to PostgreSQL at [^ ]+\/tt_[0-9a-f]+:\n {2}0001-event-store\n/);
    const again = await runCli(['migrate'], on(first));
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^nothing to migrate: PostgreSQL at .+ has all \d+ migrations\n$/);
  });

  it('simulates with a seed: the same command on two fresh databases tells the same story', async () => {
    const [one, two] = [await runCli(simulateArgs, on(first)), await runCli(simulateArgs, on(second))];
    for (const result of [one, two]) {
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^fired 40 transactions \(seeds 7 to 46\) in \d+\.\d s: \d+ transactions\/s; 40 initiated\n/);
      expect(result.stdout).toMatch(/waited \d+\.\d s for the transactions in flight: the sandbox clock advanced .+, \d+ timers fired\n/);
      expect(result.stdout).not.toContain('NOT FINAL');
      expect(result.stdout).toMatch(/final status\s+count\s+share\s+amount INR\n/);
      expect(result.stdout).toMatch(/\ntotal\s+40\s+100\.0%\s+\d+\.\d\d\n/);
      expect(result.stdout).toMatch(/refunds: \d+ requested, \d+ succeeded, \d+ failed\n/);
      expect(result.stdout).toContain('balanced, no invariant violated');
      expect(result.stdout).toMatch(/took \d+\.\d s in all\n$/);
      // Progress went to stderr as a few plain lines (not a terminal), never to stdout.
      const progress = result.stderr.trimEnd().split('\n');
      expect(progress.length).toBeLessThanOrEqual(22);
      for (const line of progress)
        expect(line).toMatch(
          /^(firing|waiting for transactions in flight): \d+% \(\d+\/\d+ (transactions|settled), \d+ (transactions|settled)\/s\)$/,
        );
      expect(progress).toContain(
        'firing: 100% (40/40 transactions, ' + progress.find((line) => line.startsWith('firing: 100%'))!.split(', ')[1],
      );
    }
    expect(outcomeLines(two.stdout)).toBe(outcomeLines(one.stdout));
    // Every outcome the flags can give occurred, so the comparison below compares something.
    for (const status of ['COMPLETED', 'PERMANENTLY_FAILED', 'REFUNDED']) expect(one.stdout).toMatch(new RegExp(`\\n${status} +\\d+`));
    const [storiesOne, storiesTwo] = await Promise.all([storiesByIndex(first.url), storiesByIndex(second.url)]);
    expect(storiesOne).toHaveLength(40);
    expect(storiesTwo).toEqual(storiesOne);
    expect(storiesOne.some((story) => story.includes('RetryScheduled'))).toBe(true);
    expect(storiesOne.some((story) => story.includes('RefundFailed'))).toBe(true);
  });

  it('reports transactions still in flight instead of a final summary when it does not wait for them', async () => {
    const result = await runCli(
      ['simulate', '--count', '3', '--seed', '1000', '--success-rate', '1', '--webhook-delay-ms', '86400000', '--max-wait-s', '0'],
      on(second),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('did not wait for the transactions in flight (--max-wait-s 0)');
    expect(result.stdout).toContain('NOT FINAL: 3 transactions are still in flight');
    expect(result.stdout).toMatch(/\nESCROW \(in flight\)\s+3\s+100\.0%/);
  });

  it('shows, rebuilds and verifies the read models; verify finds a corrupted row and exits with 1', async () => {
    const before = await runCli(['projections', 'status'], on(first));
    expect(before.code).toBe(0);
    for (const name of ['transactions', 'traces', 'ledger'])
      expect(before.stdout).toMatch(new RegExp(`\\n${name} +- +not built +start of log +[1-9]\\d*\\n`));

    const verify = await runCli(['projections', 'verify'], on(first));
    expect(verify.stdout).toMatch(
      /^checked transactions, traces, ledger against a fresh fold of \d+ events \(40 transactions\) up to [0-9a-f-]+\n/,
    );
    expect(verify.stdout).toContain('ok: every read model equals a fresh fold of the log; the ledger balances');
    expect(verify.code).toBe(0);

    const after = await runCli(['projections', 'status'], on(first));
    for (const name of ['transactions', 'traces', 'ledger'])
      expect(after.stdout).toMatch(new RegExp(`\\n${name} +1 +up to date +[0-9a-f]{16}-[0-9a-f]{16} +0\\n`));

    const ledger = await runCli(['projections', 'rebuild', 'ledger'], on(first));
    expect(ledger.code).toBe(0);
    expect(ledger.stdout).toMatch(/\nledger +2 +\d+ +\d+ +\d+\n/);
    expect(ledger.stdout).toContain('rebuilt ledger (generation 2) and swapped');
    const bar = ledger.stderr.trimEnd().split('\n');
    expect(bar.length).toBeLessThanOrEqual(11);
    expect(bar.at(-1)).toMatch(/^rebuilding ledger: 100% \((\d+)\/\1 events, \d+ events\/s\)$/);

    const all = await runCli(['projections', 'rebuild', 'all'], on(first));
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/\ntransactions +2 /);
    expect(all.stdout).toMatch(/\ntraces +2 /);
    expect(all.stdout).toMatch(/\nledger +3 /);
    expect(all.stderr.trimEnd().split('\n').at(-1)).toMatch(/^rebuilding all: 100% /);

    const [projection] = await query<{ schema_name: string }>(
      first.url,
      "select schema_name from tt_projections where name = 'transactions'",
    );
    const schema = projection!.schema_name;
    const [corruptedRow] = await query<{ id: string }>(
      first.url,
      `update ${schema}.transactions set amount_minor = amount_minor + 1 where id = (select min(id) from ${schema}.transactions) returning id`,
    );
    const id = corruptedRow!.id;
    const corrupted = await runCli(['projections', 'verify'], on(first));
    expect(corrupted.code).toBe(1);
    expect(corrupted.stdout).toMatch(new RegExp(`\\ntransactions +${id} +amountMinor +(\\d+) +(\\d+)\\n`));
    const [, expected, actual] = corrupted.stdout.match(/ amountMinor +(\d+) +(\d+)\n/)!;
    expect(Number(actual)).toBe(Number(expected) + 1);
    expect(corrupted.stdout).toMatch(
      /\nNOT OK: 2 differences, 0 violations; 'tracktrove projections rebuild <name>' builds a read model afresh\n$/,
    );

    expect((await runCli(['projections', 'rebuild', 'transactions'], on(first))).code).toBe(0);
    expect((await runCli(['projections', 'verify'], on(first))).code).toBe(0);

    // A settlement candidate the transaction's state does not explain: a T+1 run would pay it out.
    const [unsettleable] = await query<{ id: string; status: string }>(
      first.url,
      `select id, status from ${schema}.transactions where status <> 'COMPLETED' order by id limit 1`,
    );
    await query(
      first.url,
      `insert into tt_settlement_candidates (transaction_id, vendor_id, currency, amount_minor, completed_at) values ('${unsettleable!.id}', 'v', 'INR', 100, now())`,
    );
    const candidate = await runCli(['projections', 'verify'], on(first));
    expect(candidate.code).toBe(1);
    expect(candidate.stdout).toContain(
      `\nviolation: settlement_candidates: transaction ${unsettleable!.id}: a settlement candidate, but ${unsettleable!.status}`,
    );
    expect(candidate.stdout).toMatch(/\nNOT OK: 0 differences, 1 violation; /);
    await query(first.url, `delete from tt_settlement_candidates where transaction_id = '${unsettleable!.id}'`);
    expect((await runCli(['projections', 'verify'], on(first))).code).toBe(0);
  });

  it('replays a transaction with retries, a refund and a dispute as a readable timeline', async () => {
    const config = loadConfig({ DATABASE_URL: first.url });
    const services = await openServices(config, pino({ level: 'silent' }));
    const operator = { role: 'operator', id: 'cli-test' } as const;
    let id: string;
    try {
      const trackTrove = await services.trackTrove({ dailySettlement: false });
      // 4.02 is declined at the first attempt and approved at the retry; every refund fails.
      const initiated = await trackTrove.initiate(
        {
          vendorId: '6b1f3c2e-5d4a-5e8b-9c7d-1a2b3c4d5e01',
          amountMinor: 402,
          currency: 'INR',
          channel: 'WEB',
          kind: 'TIP',
          payload: {},
          simulation: { seed: 3, successRate: 1, refundFailureRate: 1 },
        },
        operator,
      );
      id = initiated.state.transactionId;
      await trackTrove.clock.advance({ ms: 10 * 60_000 }, operator, 'cli-test');
      await trackTrove.refund(id, 'customer asked', operator);
      await trackTrove.clock.advance({ ms: 10 * 60_000 }, operator, 'cli-test');
      await trackTrove.openDispute(id, 'goods not received', operator);
      await trackTrove.resolveDispute(id, 'LOST', operator);
    } finally {
      await services.close();
    }

    const replay = await runCli(['replay', id], on(first));
    expect(replay.code).toBe(0);
    const lines = replay.stdout.split('\n');
    expect(lines[0]).toBe(`transaction ${id}`);
    expect(lines[1]).toBe('  INR 4.02, TIP via WEB, vendor 6b1f3c2e-5d4a-5e8b-9c7d-1a2b3c4d5e01, payer ' + lines[1]!.split('payer ')[1]);
    expect(lines[2]).toMatch(/^ {2}now DISPUTE_RESOLVED \(dispute LOST\) after 9 events, 2 authorization attempts, .+ of sandbox time$/);
    expect(lines[4]).toMatch(/^ *v +sandbox time +elapsed +event +status +money$/);
    const event = (version: number, type: string, status: string, money: string) =>
      new RegExp(
        `\\n ?${version} +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z +\\+[\\d.]+ (ms|s|min \\d+ s) +${type} +${status.replace(/[()]/g, '\\$&')} +${money}\\n`,
      );
    const out = replay.stdout;
    expect(out).toMatch(event(1, 'TransactionInitiated', 'NEW -> INITIATED', '-'));
    expect(out).toMatch(event(2, 'AuthorizationDeclined', 'INITIATED -> FAILED', '-'));
    expect(out).toMatch(
      /\n +step AuthorizationDeclined, service gateway, actor operator:cli-test, attempt 1, took \d+ ms\n +error: .*card_declined.*\n/,
    );
    expect(out).toMatch(event(3, 'RetryScheduled', 'FAILED -> RETRY_PENDING', '-'));
    expect(out).toMatch(/\n +attempt 2 due at \+[\d.]+ s\n/);
    expect(out).toMatch(event(4, 'EscrowHoldPlaced', 'RETRY_PENDING -> ESCROW', 'hold 4.02 payer -> escrow'));
    expect(out).toMatch(/\n +step EscrowHoldPlaced, service gateway, actor system:retry-timer, attempt 2, took \d+ ms\n/);
    expect(out).toMatch(event(5, 'EscrowHoldPosted', 'ESCROW -> COMPLETED', 'post hold 4.02 payer -> escrow'));
    expect(out).toMatch(event(6, 'RefundRequested', 'COMPLETED -> COMPLETED', '-'));
    expect(out).toMatch(/\n +refund requested: customer asked\n/);
    expect(out).toMatch(event(7, 'RefundFailed', 'COMPLETED -> COMPLETED', '-'));
    expect(out).toMatch(/\n +error: .*fail.*\n/);
    expect(out).toMatch(event(8, 'DisputeOpened', 'COMPLETED -> DISPUTE_OPEN', '-'));
    expect(out).toMatch(event(9, 'DisputeResolved', 'DISPUTE_OPEN -> DISPUTE_RESOLVED', 'move 4.02 escrow -> payer'));
    expect(out).toMatch(/\n +dispute LOST \(chargeback to the payer\)\n/);
    // Piped: no colours. On a terminal: colours, unless NO_COLOR says no.
    expect(out).not.toContain('\u001b[');
    expect((await runCli(['replay', id], { ...on(first), NO_COLOR: '1' }, { tty: true })).stdout).toBe(out);
    expect((await runCli(['replay', id], on(first), { tty: true })).stdout).toContain('\u001b[');
  });

  it('says there is no such transaction with exit code 1', async () => {
    const result = await runCli(['replay', '0b8e6f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b'], on(first));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('tracktrove replay: no transaction 0b8e6f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b\n');
  });
});
