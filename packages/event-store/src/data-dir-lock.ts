import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** Who holds an embedded data directory: written into its lock file, read by whoever finds it taken. */
export interface DataDirHolder {
  readonly pid: number;
  readonly hostname: string;
  /** When the holder took the lock, ISO 8601. */
  readonly startedAt: string;
  /** What the holder runs, in words (`tracktrove start`). */
  readonly command: string;
  /** Where a server holding the directory answers HTTP, once it listens. */
  readonly url?: string;
  /** The admin token a server generated for its run (never one given to it): the file is 0600. */
  readonly adminToken?: string;
}

/** The data directory is held by another live process (or by this one, opened twice). */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly lockPath: string,
    readonly holder: DataDirHolder,
  ) {
    super(
      `${dataDir} is in use by pid ${holder.pid} (${holder.command}${holder.url ? ` at ${holder.url}` : ''}, since ${holder.startedAt}); stop it, or wait for it to finish`,
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly path: string;
  holder(): DataDirHolder;
  /** Adds what a server learns after it took the lock (its URL, its generated admin token), or names the holder better. */
  update(extra: Partial<Pick<DataDirHolder, 'command' | 'url' | 'adminToken'>>): void;
  /** Removes the lock file when it is still this process's; safe to call twice. */
  release(): void;
}

/** Attempts at taking the lock: each finds a live holder (refused) or a stale one (removed, then tried again). */
const maxAttempts = 5;
/** A takeover marker left by a process that died in the middle of a takeover is ignored after this. */
const takeoverStaleMs = 10_000;
/** A live process that started more than this after the lock was taken is not its holder (a reused pid). */
const pidReuseSlackMs = 2_000;

const heldHere = new Map<string, DataDirLock>();

/** The lock file of a data directory: beside it, `<dir>.lock` (PostgreSQL's own files stay alone inside). */
export function lockPathOf(dataDir: string): string {
  return join(dirname(dataDir), `${basename(dataDir)}.lock`);
}

/** The live holder of a data directory, or null when nobody (or only a dead process) holds it. */
export function readDataDirHolder(dataDir: string): DataDirHolder | null {
  const path = lockPathOf(dataDir);
  const holder = readHolder(path);
  if (!holder) return null;
  if (heldHere.has(path)) return holder;
  return isAlive(holder) ? holder : null;
}

/**
 * Takes the data directory for this process, atomically: the lock file is written whole under a
 * temporary name and linked into place (link fails when the name exists). A lock whose holder is
 * dead is removed under a takeover marker (itself taken the same way) after reading it again, so two
 * processes finding the same stale lock never remove each other's fresh one. Released by release()
 * or, as a last resort, when the process exits.
 */
export function acquireDataDirLock(dataDir: string, command: string): DataDirLock {
  const path = lockPathOf(dataDir);
  const mine: DataDirHolder = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), command };
  const already = heldHere.get(path);
  if (already) throw new DataDirLockedError(dataDir, path, already.holder());
  let last: DataDirHolder | null = null;
  for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
    if (linkNew(path, mine)) return keep(path, mine);
    const holder = readHolder(path);
    if (!holder) continue;
    last = holder;
    if (isAlive(holder)) throw new DataDirLockedError(dataDir, path, holder);
    removeStale(path, holder);
  }
  throw new DataDirLockedError(dataDir, path, last ?? mine);
}

function keep(path: string, initial: DataDirHolder): DataDirLock {
  let current = initial;
  let released = false;
  const onExit = () => lock.release();
  const lock: DataDirLock = {
    path,
    holder: () => current,
    update(extra) {
      if (released || !isOurs(path, current)) return;
      const next = { ...current, ...extra };
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(next), { mode: 0o600 });
      renameSync(temporary, path);
      current = next;
    },
    release() {
      if (released) return;
      released = true;
      heldHere.delete(path);
      process.removeListener('exit', onExit);
      if (isOurs(path, current)) unlinkQuietly(path);
    },
  };
  heldHere.set(path, lock);
  process.on('exit', onExit);
  return lock;
}

/** Writes the holder under a temporary name and links it to `path`: false when `path` exists. */
function linkNew(path: string, holder: DataDirHolder): boolean {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, JSON.stringify(holder), { mode: 0o600 });
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkQuietly(temporary);
  }
}

function removeStale(path: string, stale: DataDirHolder): void {
  const marker = `${path}.takeover`;
  const me: DataDirHolder = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), command: 'takeover' };
  if (!linkNew(marker, me)) {
    const other = readHolder(marker);
    if (other && !isAlive(other) && Date.now() - Date.parse(other.startedAt) > takeoverStaleMs) unlinkQuietly(marker);
    return;
  }
  try {
    const again = readHolder(path);
    if (again && again.pid === stale.pid && again.startedAt === stale.startedAt) unlinkQuietly(path);
  } finally {
    unlinkQuietly(marker);
  }
}

function readHolder(path: string): DataDirHolder | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<DataDirHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.startedAt === 'string') {
      return { hostname: '', command: 'unknown', ...parsed } as DataDirHolder;
    }
  } catch {
    // not ours, or damaged: treated as held by nobody we can name
  }
  // A lock file that says nothing usable: its holder is unknown, so it is never taken over silently.
  return {
    pid: 0,
    hostname: '',
    startedAt: 'unknown',
    command: `an unreadable lock file ${path}; remove it if no tracktrove process runs`,
  };
}

function isOurs(path: string, holder: DataDirHolder): boolean {
  const found = readHolder(path);
  return found !== null && found.pid === holder.pid && found.startedAt === holder.startedAt;
}

/** Whether the holder still runs: a process on another host, or one we cannot tell about, counts as alive. */
export function isAlive(holder: DataDirHolder): boolean {
  if (holder.pid <= 0) return true;
  if (holder.hostname !== hostname()) return true;
  // Our own pid in a lock we do not hold: left by an earlier process that had the same pid (a container's pid 1).
  if (holder.pid === process.pid) return [...heldHere.values()].some((lock) => lock.holder().startedAt === holder.startedAt);
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const startedAtMs = processStartMs(holder.pid);
  return startedAtMs === null || startedAtMs <= Date.parse(holder.startedAt) + pidReuseSlackMs;
}

/** When a process started (Linux: /proc), so that a pid reused by another process is not taken for the holder. */
function processStartMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[19]);
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(startTicks) || !Number.isFinite(bootSeconds)) return null;
    // USER_HZ is 100 on every Linux the project runs on.
    return bootSeconds * 1_000 + startTicks * 10;
  } catch {
    return null;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
