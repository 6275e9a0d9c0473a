import { formatAmount, type LedgerViolation, type TransactionState } from '@tracktrove/domain';
import type { SimulateArgs } from './args.ts';
import { formatDuration } from '../replay/timeline.ts';
import { formatTable } from '../table.ts';
import { isInFlight } from './settle.ts';

export interface SimulationReport {
  readonly args: SimulateArgs;
  /** Final (or current) state of each transaction that was initiated. */
  readonly states: ReadonlyMap<string, TransactionState>;
  /** Initiations and refund requests the application refused, by message. */
  readonly initiationFailures: ReadonlyMap<string, number>;
  readonly refundFailures: ReadonlyMap<string, number>;
  readonly refundsRequested: number;
  readonly firingMs: number;
  readonly waitedMs: number;
  readonly totalMs: number;
  readonly clockAdvancedMs: number;
  readonly firedTimers: number;
  readonly ledgerEntries: number;
  readonly violations: readonly LedgerViolation[];
  /** The admin's global failure settings in force, which win over the flags. */
  readonly globalOverrides: readonly string[];
}

const count = (map: ReadonlyMap<string, number>) => [...map.values()].reduce((sum, value) => sum + value, 0);
const seconds = (ms: number) => `${(ms / 1_000).toFixed(1)} s`;

/** The summary printed at the end of a simulation. */
export function formatSummary(report: SimulationReport): string {
  const { args, states } = report;
  const initiated = states.size;
  const failedInitiations = count(report.initiationFailures);
  const lines: string[] = [];
  const lastSeed = args.seed + args.count - 1;
  lines.push(
    `fired ${args.count} transaction${args.count === 1 ? '' : 's'} (seed${args.count === 1 ? ` ${args.seed}` : `s ${args.seed} to ${lastSeed}`}) in ${seconds(report.firingMs)}: ${Math.round(args.count / Math.max(report.firingMs / 1_000, 0.001))} transactions/s; ${initiated} initiated${failedInitiations > 0 ? `, ${failedInitiations} refused` : ''}`,
  );
  for (const override of report.globalOverrides)
    lines.push(`note: the admin's global failure setting ${override} applies and wins over the flags`);
  const inFlight = [...states.values()].filter(isInFlight);
  if (args.maxWaitS === 0) lines.push('did not wait for the transactions in flight (--max-wait-s 0)');
  else
    lines.push(
      `waited ${seconds(report.waitedMs)} for the transactions in flight: the sandbox clock advanced ${formatDuration(report.clockAdvancedMs)}, ${report.firedTimers} timers fired`,
    );
  if (inFlight.length > 0) {
    lines.push(
      `NOT FINAL: ${inFlight.length} transaction${inFlight.length === 1 ? ' is' : 's are'} still in flight (a webhook, retry, hold expiry or refund outcome is due later); their rows are marked 'in flight'${args.maxWaitS > 0 ? ` (--max-wait-s ${args.maxWaitS} ran out)` : ''}`,
    );
  }
  lines.push('');

  const byStatus = new Map<string, { count: number; amountMinor: number }>();
  for (const state of states.values()) {
    const key = isInFlight(state)
      ? `${state.status} (in flight${state.refund?.state === 'pending' ? ': refund pending' : ''})`
      : state.status;
    const row = byStatus.get(key) ?? { count: 0, amountMinor: 0 };
    byStatus.set(key, { count: row.count + 1, amountMinor: row.amountMinor + state.amountMinor });
  }
  const share = (value: number) => `${((value / Math.max(initiated, 1)) * 100).toFixed(1)}%`;
  const totalMinor = [...byStatus.values()].reduce((sum, row) => sum + row.amountMinor, 0);
  const rows = [...byStatus]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, row]) => [status, row.count, share(row.count), formatAmount(row.amountMinor)]);
  rows.push(['total', initiated, share(initiated), formatAmount(totalMinor)]);
  lines.push(formatTable(['final status', 'count', 'share', 'amount INR'], rows, { rightAligned: [1, 2, 3] }).trimEnd());
  lines.push('');

  if (args.refundRate > 0) {
    const refunds = [...states.values()].map((state) => state.refund?.state).filter((state) => state !== undefined);
    const of = (wanted: string) => refunds.filter((state) => state === wanted).length;
    const refused = count(report.refundFailures);
    lines.push(
      `refunds: ${report.refundsRequested} requested, ${of('succeeded')} succeeded, ${of('failed')} failed${of('pending') > 0 ? `, ${of('pending')} pending` : ''}${refused > 0 ? `, ${refused} refused` : ''}`,
    );
  }
  lines.push(
    `ledger: ${report.ledgerEntries} entries of these transactions, ${report.violations.length === 0 ? 'balanced, no invariant violated' : `${report.violations.length} INVARIANTS VIOLATED`}`,
  );
  for (const violation of report.violations.slice(0, 10)) lines.push(`  ${violation.invariant}: ${violation.message}`);
  for (const [message, times] of report.initiationFailures) lines.push(`initiation refused ${times}x: ${message}`);
  for (const [message, times] of report.refundFailures) lines.push(`refund request refused ${times}x: ${message}`);
  lines.push(`took ${seconds(report.totalMs)} in all`);
  return `${lines.join('\n')}\n`;
}
