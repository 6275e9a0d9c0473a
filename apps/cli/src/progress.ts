import cliProgress from 'cli-progress';
import type { Writer } from './io.ts';

/** Progress of one phase of work: a bar on a terminal, a few plain lines elsewhere. */
export interface Progress {
  update(done: number, total: number): void;
  /** Draws the final state and ends the bar. */
  finish(): void;
}

/** Plain lines (not a terminal) are written each time another tenth of the work is done: 11 at most. */
const plainLineSteps = 10;

/**
 * A progress reporter on `writer` (the CLI's stderr, so that stdout carries only results). On a
 * terminal it is a bar redrawn in place at most 10 times a second; when the writer is a pipe or a
 * file it writes `label: 40% (400/1000 unit, 812 unit/s)` lines, one per tenth of the work.
 */
export function startProgress(writer: Writer, label: string, unit: string): Progress {
  const startedAtMs = Date.now();
  const rateOf = (done: number) => `${Math.round(done / Math.max((Date.now() - startedAtMs) / 1000, 0.001))} ${unit}/s`;
  if (writer.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate}`,
        stream: writer as NodeJS.WriteStream,
        fps: 10,
        hideCursor: true,
        barsize: 30,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    let last = { done: 0, total: 0 };
    return {
      update(done, total) {
        last = { done, total };
        if (!started) {
          bar.start(Math.max(total, 1), done, { rate: rateOf(done) });
          started = true;
          return;
        }
        bar.setTotal(Math.max(total, 1));
        bar.update(done, { rate: rateOf(done) });
      },
      finish() {
        if (!started) return;
        bar.update(last.done, { rate: rateOf(last.done) });
        bar.stop();
      },
    };
  }
  let lastStep = -1;
  let last = { done: 0, total: 0 };
  const line = ({ done, total }: typeof last) =>
    writer.write(`${label}: ${total === 0 ? 100 : Math.floor((done / total) * 100)}% (${done}/${total} ${unit}, ${rateOf(done)})\n`);
  return {
    update(done, total) {
      last = { done, total };
      const step = total === 0 ? plainLineSteps : Math.floor((done / total) * plainLineSteps);
      if (step <= lastStep) return;
      lastStep = step;
      line(last);
    },
    finish() {
      if (lastStep < plainLineSteps && lastStep !== -1) {
        lastStep = plainLineSteps;
        line(last);
      }
    },
  };
}
