import { acquireDataDirLock, DataDirLockedError } from '../../src/data-dir-lock.ts';

// A process that takes a data directory's lock: `lock-holder.ts <dataDir> hold|exit`. It prints
// `held <pid>` once it holds the lock, or `refused <holder pid>` and exits 3; `exit` leaves without
// releasing (the exit hook must), `hold` waits to be killed.
const [dataDir, mode] = process.argv.slice(2);
try {
  acquireDataDirLock(dataDir!, `lock-holder ${mode}`);
  process.stdout.write(`held ${process.pid}\n`);
  if (mode === 'exit') process.exit(0);
  setInterval(() => undefined, 60_000);
} catch (error) {
  if (!(error instanceof DataDirLockedError)) throw error;
  process.stdout.write(`refused ${error.holder.pid}\n`);
  process.exit(3);
}
