import { formatAmount } from '@tracktrove/domain';
import type { Paint } from '../io.ts';
import { formatDuration, type Timeline } from './timeline.ts';

const statusColours: Partial<Record<string, Parameters<Paint>[1]>> = {
  ESCROW: 'green',
  COMPLETED: 'green',
  SETTLED: 'green',
  DISPUTE_RESOLVED: 'green',
  FAILED: 'red',
  PERMANENTLY_FAILED: 'red',
  RETRY_PENDING: 'yellow',
  DISPUTE_OPEN: 'yellow',
  REFUNDED: 'yellow',
};

/**
 * The timeline as text: a heading, then one aligned line per event (version, sandbox time, time
 * since initiation, event, status before -> after, money moved) with its step, service, actor,
 * attempt and duration indented below, and a note and an error line when it has them. Plain text
 * unless `paint` colours it.
 */
export function formatTimeline(transactionId: string, { state, entries }: Timeline, paint: Paint): string {
  const lastEntry = entries.at(-1);
  const outcome = state.dispute?.outcome
    ? ` (dispute ${state.dispute.outcome})`
    : state.refund?.state === 'failed'
      ? ' (refund failed)'
      : '';
  const heading = [
    paint(`transaction ${transactionId}`, 'bold'),
    `  ${state.currency} ${formatAmount(state.amountMinor, state.currency)}, ${state.kind} via ${state.channel}, vendor ${state.vendorId}, payer ${state.payerId}`,
    `  now ${paint(state.status, statusColours[state.status] ?? 'bold')}${outcome} after ${entries.length} event${entries.length === 1 ? '' : 's'}, ${state.attempt} authorization attempt${state.attempt === 1 ? '' : 's'}, ${formatDuration(lastEntry?.elapsedMs ?? 0)} of sandbox time`,
    '',
  ];
  const rows = entries.map((entry) => [
    String(entry.version),
    entry.at.replace('T', ' '),
    `+${formatDuration(entry.elapsedMs)}`,
    entry.type,
    `${entry.statusBefore} -> ${entry.statusAfter}`,
    entry.money.length > 0 ? entry.money.join(', ') : '-',
  ]);
  const headers = ['v', 'sandbox time', 'elapsed', 'event', 'status', 'money'];
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[], style?: (cell: string, column: number) => string) =>
    cells
      .map((cell, column) => {
        const padded = column === 0 ? cell.padStart(widths[column]!) : column === cells.length - 1 ? cell : cell.padEnd(widths[column]!);
        return style ? style(padded, column) : padded;
      })
      .join('  ')
      .trimEnd();
  const indent = ' '.repeat(widths[0]! + 2);
  const body = entries.flatMap((entry, index) => {
    const changed = entry.statusBefore !== entry.statusAfter;
    const lines = [
      line(rows[index]!, (cell, column) => (column === 4 && changed ? paint(cell, statusColours[entry.statusAfter] ?? 'bold') : cell)),
    ];
    lines.push(
      paint(
        `${indent}step ${entry.step}, service ${entry.service}, actor ${entry.actor}, attempt ${entry.attempt}, took ${entry.durationMs} ms`,
        'dim',
      ),
    );
    if (entry.note) lines.push(`${indent}${entry.note}`);
    if (entry.error) lines.push(paint(`${indent}error: ${entry.error}`, 'red'));
    return lines;
  });
  return [...heading, line(headers), ...body, ''].join('\n');
}
