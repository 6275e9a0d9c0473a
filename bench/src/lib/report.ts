import { cpus, platform, release, totalmem } from 'node:os';
import { formatNumber } from './stats.ts';
import type { BenchmarkResult, BenchPostgres, TargetResult } from './types.ts';

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly platform: string;
  readonly node: string;
  readonly date: string;
  readonly postgres?: { readonly version: string; readonly source: string; readonly settings: Readonly<Record<string, string>> };
}

export function machineInfo(postgres: BenchPostgres | undefined): MachineInfo {
  const cores = cpus();
  return {
    cpus: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${platform()} ${release()}`,
    node: process.version,
    date: new Date().toISOString(),
    ...(postgres ? { postgres: { version: postgres.version, source: postgres.source, settings: postgres.settings } } : {}),
  };
}

function alignedTable(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: (column: number) => boolean): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (rightAligned(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

/** The figures as an aligned text table: one row per figure, one column per metric. */
export function figuresTable(result: BenchmarkResult): string {
  const metrics: string[] = [];
  for (const figure of result.figures)
    for (const metric of Object.keys(figure.metrics)) if (!metrics.includes(metric)) metrics.push(metric);
  const header = ['workload', 'system', ...metrics];
  const rows = result.figures.map((figure) => [
    figure.workload,
    figure.reference ? `${figure.system} (ref)` : figure.system,
    ...metrics.map((metric) => formatNumber(figure.metrics[metric] ?? Number.NaN)),
  ]);
  return alignedTable(header, rows, (column) => column >= 2);
}

export function targetsTable(targets: readonly TargetResult[]): string {
  const rows = targets.map((target) => [
    target.met ? 'met' : 'NOT MET',
    target.description,
    formatNumber(target.actual),
    formatNumber(target.required),
    target.basis,
  ]);
  return alignedTable(['result', 'target', 'actual', 'required', 'basis'], rows, (column) => column === 2 || column === 3);
}
