/**
 * Prints where a server's CPU went, from a V8 CPU profile taken under a benchmark:
 *
 *   BENCH_CHILD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" BENCH_API_SYSTEMS=tracktrove pnpm bench api
 *   pnpm exec tsx bench/profile-summary.ts /tmp/prof/<the largest>.cpuprofile [seconds, default 10]
 *
 * Only the last `seconds` of the profile are summarised: the measured window, before the stop.
 */
import { readFileSync } from 'node:fs';
import { summariseProfile, type CpuProfile } from './src/lib/cpu-profile-summary.ts';

const [file, seconds = '10'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: tsx bench/profile-summary.ts FILE.cpuprofile [seconds]\n');
  process.exit(2);
}
const summary = summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(seconds));
const percent = (share: number) => `${(share * 100).toFixed(1).padStart(5)} %`;
const lines = [
  `${summary.samples} samples; idle ${percent(summary.idleShare).trim()} of them; shares below are of the busy samples`,
  `garbage collection (main thread) ${percent(summary.garbageCollection).trim()}`,
  '',
  'self time by package or file:',
  ...summary.selfByPackage.slice(0, 25).map(([name, share]) => `  ${percent(share)}  ${name}`),
  '',
  'inclusive time by part (overlapping):',
  ...summary.inclusiveByPart.map(([name, share]) => `  ${percent(share)}  ${name}`),
];
process.stdout.write(`${lines.join('\n')}\n`);
