import { choiceOption, noMorePositionals, rateOption, wholeNumberOption, type ParsedCommandLine } from '../command-line.ts';
import type { CliCommand } from '../context.ts';
import type { SimulateArgs } from '../simulate/args.ts';
import { dataDirOptions } from '../data-dir.ts';
import { serverOptions, serverOptionsOf } from '../server/target.ts';

export const simulateLimits = {
  maxCount: 100_000,
  maxSeed: 2 ** 31 - 1,
  maxConcurrency: 64,
  maxWebhookDelayMs: 86_400_000,
  maxWaitS: 3_600,
} as const;

export const simulateCommand: CliCommand<SimulateArgs> = {
  name: 'simulate',
  usage: ['simulate [--count N] [--seed S] [--success-rate R] [failure injection...]'],
  summary: 'fire N transactions with failure injection; progress bar and a summary table',
  details: [
    'Transaction i (from 0) gets the simulation seed S+i, which alone decides its amount, its gateway',
    'answers, retry jitter, webhook drops and duplicates, whether it is refunded and whether the refund',
    'fails: the same command on a fresh database gives the same outcomes. Amounts are drawn within',
    "AMOUNT_MIN_MINOR..AMOUNT_MAX_MINOR, never a magic amount. The admin's global failure settings, when",
    'set, win over these flags (as for any transaction) and the summary says so.',
    '',
    'Once fired, it waits for the transactions in flight (webhooks, retries, hold expiries, refunds),',
    'advancing the sandbox clock to when they are due, for at most --max-wait-s seconds; whatever is',
    'still in flight then is reported as such. The summary counts final statuses and amounts, time',
    'taken and transactions/s, and checks the ledger postings of these transactions. Exit code 1 when',
    'an initiation failed or a ledger invariant is broken.',
    '',
    'When a server holds the embedded data directory (or with --url / TRACKTROVE_URL), it runs through',
    "that server's HTTP API, with its admin token for the clock and the failure settings.",
  ].join('\n'),
  options: {
    count: { value: 'N', description: `transactions to fire, 1 to ${simulateLimits.maxCount} (default 100)` },
    seed: { value: 'S', description: `seed of transaction 0, 0 to ${simulateLimits.maxSeed} (default 42)` },
    'success-rate': { value: 'R', description: 'chance that an authorization attempt is approved, 0 to 1 (default 0.9)' },
    'drop-webhooks': { value: 'R', description: 'chance that the confirmation webhook is lost (the hold then expires) (default 0)' },
    'duplicate-webhooks': { value: 'R', description: 'chance that a webhook is delivered twice (default 0)' },
    'webhook-delay-ms': {
      value: 'N',
      description: `delay of the gateway's webhooks, 0 to ${simulateLimits.maxWebhookDelayMs} (default 1000)`,
    },
    'hold-expiry': {
      value: 'release|void',
      description: 'what an expired escrow hold does: release completes, void refunds (default release)',
    },
    'refund-rate': { value: 'R', description: 'chance that a completed transaction is refunded (default 0)' },
    'refund-failure-rate': { value: 'R', description: 'chance that a refund fails at the gateway (default 0)' },
    concurrency: { value: 'N', description: `initiations in flight at once, 1 to ${simulateLimits.maxConcurrency} (default 8)` },
    'max-wait-s': {
      value: 'N',
      description: `seconds to wait for transactions in flight, 0 (do not wait) to ${simulateLimits.maxWaitS} (default 120)`,
    },
    ...serverOptions,
    ...dataDirOptions,
  },
  parse(parsed: ParsedCommandLine): SimulateArgs {
    const command = 'simulate';
    noMorePositionals(parsed, command, 0);
    return {
      count: wholeNumberOption(parsed, command, 'count', 100, 1, simulateLimits.maxCount),
      seed: wholeNumberOption(parsed, command, 'seed', 42, 0, simulateLimits.maxSeed),
      successRate: rateOption(parsed, command, 'success-rate', 0.9),
      dropRate: rateOption(parsed, command, 'drop-webhooks', 0),
      duplicateRate: rateOption(parsed, command, 'duplicate-webhooks', 0),
      webhookDelayMs: wholeNumberOption(parsed, command, 'webhook-delay-ms', 1_000, 0, simulateLimits.maxWebhookDelayMs),
      holdExpiry: choiceOption(parsed, command, 'hold-expiry', 'release', ['release', 'void'] as const),
      refundRate: rateOption(parsed, command, 'refund-rate', 0),
      refundFailureRate: rateOption(parsed, command, 'refund-failure-rate', 0),
      concurrency: wholeNumberOption(parsed, command, 'concurrency', 8, 1, simulateLimits.maxConcurrency),
      maxWaitS: wholeNumberOption(parsed, command, 'max-wait-s', 120, 0, simulateLimits.maxWaitS),
      server: serverOptionsOf(parsed, command),
    };
  },
  load: async () => (await import('../simulate/simulate.ts')).simulate,
};
