import { run } from './run.ts';

// The process's entry: `tracktrove` (bin/tracktrove.mjs), `pnpm tracktrove` and `pnpm start`.
process.exitCode = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
