import type { VerifyReport } from '@tracktrove/projections';
import type { Writer } from '../io.ts';
import { formatTable } from '../table.ts';
import { lagCountLimit, type StoredProjectionStatus } from './stored-status.ts';

/** Differences listed by verify; the count covers them all. */
export const listedDifferences = 50;

export interface RebuiltReadModel {
  readonly name: string;
  readonly generation: number;
  readonly eventsApplied: number;
  readonly durationMs: number;
  readonly eventsPerSecond: number;
}

/** `projections status`: one row a read model, and what lag means when there is any. */
export function writeStatuses(out: Writer, statuses: readonly StoredProjectionStatus[]): void {
  out.write(
    formatTable(
      ['read model', 'generation', 'state', 'position', 'lag'],
      statuses.map((status) => [
        status.name,
        status.generation ?? '-',
        status.rebuildingGeneration === null ? status.state : `rebuilding generation ${status.rebuildingGeneration}`,
        status.position ?? 'start of log',
        status.lag >= lagCountLimit ? `${lagCountLimit}+` : status.lag,
      ]),
    ),
  );
  if (statuses.some((status) => status.lag > 0)) {
    out.write(
      "lag: events in the log that a read model has not applied yet; the server's projectors apply them while it runs (projections verify catches them up here)\n",
    );
  }
}

/** `projections rebuild`: what each rebuild applied, and that queries read the new generations. */
export function writeRebuilt(out: Writer, results: readonly RebuiltReadModel[]): void {
  out.write(
    formatTable(
      ['read model', 'generation', 'events', 'ms', 'events/s'],
      results.map((result) => [result.name, result.generation, result.eventsApplied, result.durationMs, result.eventsPerSecond]),
    ),
  );
  out.write(
    `rebuilt ${results.map((result) => `${result.name} (generation ${result.generation})`).join(', ')} and swapped: queries read the new generation${results.length === 1 ? '' : 's'} now\n`,
  );
}

/** `projections verify`: what was checked, the differences and violations; answers the exit code. */
export function writeVerifyReport(out: Writer, names: readonly string[], report: VerifyReport): number {
  out.write(
    `checked ${names.join(', ')} against a fresh fold of ${report.checkedEvents} events (${report.checkedTransactions} transactions) up to ${report.upTo}\n`,
  );
  if (report.differences.length > 0) {
    out.write(
      formatTable(
        ['read model', 'key', 'field', 'expected', 'actual'],
        report.differences
          .slice(0, listedDifferences)
          .map((difference) => [
            difference.readModel,
            difference.key,
            difference.field,
            shortJson(difference.expected),
            shortJson(difference.actual),
          ]),
      ),
    );
  }
  for (const violation of report.violations)
    out.write(`violation: ${violation.invariant}: ${violation.message}${violation.entryId ? ` (entry ${violation.entryId})` : ''}\n`);
  if (report.ok) {
    out.write("ok: every read model equals a fresh fold of the log; the ledger balances; every payment's money is where its status says\n");
    return 0;
  }
  const listed =
    report.differenceCount > Math.min(report.differences.length, listedDifferences)
      ? ` (the first ${Math.min(report.differences.length, listedDifferences)} listed)`
      : '';
  out.write(
    `NOT OK: ${report.differenceCount} difference${report.differenceCount === 1 ? '' : 's'}${listed}, ${report.violations.length} violation${report.violations.length === 1 ? '' : 's'}; 'tracktrove projections rebuild <name>' builds a read model afresh\n`,
  );
  return 1;
}

function shortJson(value: unknown): string {
  const text = value === undefined ? '(none)' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
