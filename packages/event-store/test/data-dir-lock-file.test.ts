import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError, isAlive, lockPathOf, readDataDirHolder } from '../src/data-dir-lock.ts';

/** A pid that no process has any more. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((done) => child.once('exit', done));
  return child.pid!;
}

const refusal = (take: () => unknown): DataDirLockedError => {
  try {
    take();
  } catch (error) {
    if (error instanceof DataDirLockedError) return error;
    throw error;
  }
  throw new Error('the lock was taken');
};

/** The lock file itself, within one process: what it says, who it names, and what is never taken over. */
describe('the lock file of an embedded data directory', () => {
  let root: string;
  let dataDir: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tracktrove-lock-file-'));
    dataDir = join(root, 'pglite');
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });
  const lockFile = () => JSON.parse(readFileSync(lockPathOf(dataDir), 'utf8')) as Record<string, unknown>;
  const writeLock = (content: unknown) =>
    writeFileSync(lockPathOf(dataDir), typeof content === 'string' ? content : JSON.stringify(content));

  it('lies beside the directory, readable by its owner only, naming this process, and is gone once released (twice is fine)', () => {
    expect(lockPathOf('/var/lib/tracktrove/pglite')).toBe('/var/lib/tracktrove/pglite.lock');
    const before = Date.now();
    const lock = acquireDataDirLock(dataDir, 'tracktrove start');
    expect(lock.path).toBe(lockPathOf(dataDir));
    expect(statSync(lock.path).mode & 0o777).toBe(0o600);
    const written = lockFile();
    expect(written).toEqual({ pid: process.pid, hostname: hostname(), startedAt: written.startedAt, command: 'tracktrove start' });
    expect(Date.parse(written.startedAt as string)).toBeGreaterThanOrEqual(before - 1);
    expect(lock.holder()).toEqual(written);
    expect(readDataDirHolder(dataDir)).toEqual(written);
    lock.release();
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    expect(readDataDirHolder(dataDir)).toBeNull();
  });

  it('releases itself when the process exits, leaving no exit hook behind once released, and no temporary file', () => {
    const hooks = process.listenerCount('exit');
    const lock = acquireDataDirLock(dataDir, 'test');
    expect(process.listenerCount('exit')).toBe(hooks + 1);
    lock.update({ url: 'http://127.0.0.1:4100' });
    expect(() => acquireDataDirLock(dataDir, 'again')).toThrow(DataDirLockedError);
    lock.release();
    expect(process.listenerCount('exit')).toBe(hooks);
    expect(readdirSync(root)).toEqual([]);
  });

  it('fails with the file system error, not as locked, where the lock file cannot be written', () => {
    const error = (() => {
      try {
        acquireDataDirLock(join(root, 'missing', 'pglite'), 'test');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).not.toBeInstanceOf(DataDirLockedError);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(readdirSync(root)).toEqual([]);
  });

  it("tells a second opener in this process who holds it, the server's URL included once known", () => {
    const lock = acquireDataDirLock(dataDir, 'tracktrove start');
    lock.update({ url: 'http://127.0.0.1:4100', adminToken: 'token-1' });
    expect(lockFile()).toMatchObject({
      pid: process.pid,
      command: 'tracktrove start',
      url: 'http://127.0.0.1:4100',
      adminToken: 'token-1',
    });
    expect(statSync(lock.path).mode & 0o777).toBe(0o600);
    expect(lock.holder().url).toBe('http://127.0.0.1:4100');
    const error = refusal(() => acquireDataDirLock(dataDir, 'tracktrove verify'));
    expect(error.holder.pid).toBe(process.pid);
    expect(error.lockPath).toBe(lockPathOf(dataDir));
    expect(error.dataDir).toBe(dataDir);
    expect(error.name).toBe('DataDirLockedError');
    expect(error.message).toBe(
      `${dataDir} is in use by pid ${process.pid} (tracktrove start at http://127.0.0.1:4100, since ${lock.holder().startedAt}); stop it, or wait for it to finish`,
    );
    lock.release();
    // Released: an update writes nothing back.
    lock.update({ url: 'http://127.0.0.1:4200' });
    expect(existsSync(lockPathOf(dataDir))).toBe(false);
  });

  it('leaves a lock file alone that another process wrote in its place, on update and on release', async () => {
    const lock = acquireDataDirLock(dataDir, 'tracktrove start');
    const other = { pid: await deadPid(), hostname: hostname(), startedAt: new Date().toISOString(), command: 'other' };
    writeLock(other);
    lock.update({ url: 'http://127.0.0.1:4100' });
    expect(lockFile()).toEqual(other);
    lock.release();
    expect(lockFile()).toEqual(other);
  });

  it('is never taken over from an unreadable lock file, a holder on another host, or a live local process', () => {
    writeLock('{ not json');
    let error = refusal(() => acquireDataDirLock(dataDir, 'test'));
    expect(error.holder).toEqual({
      pid: 0,
      hostname: '',
      startedAt: 'unknown',
      command: `an unreadable lock file ${lockPathOf(dataDir)}; remove it if no tracktrove process runs`,
    });
    expect(error.message).toBe(
      `${dataDir} is in use by pid 0 (an unreadable lock file ${lockPathOf(dataDir)}; remove it if no tracktrove process runs, since unknown); stop it, or wait for it to finish`,
    );
    expect(readDataDirHolder(dataDir)?.pid).toBe(0);
    writeLock({ pid: 'twelve', startedAt: new Date().toISOString() });
    expect(refusal(() => acquireDataDirLock(dataDir, 'test')).holder.startedAt).toBe('unknown');
    writeLock({ pid: 12, startedAt: 12 });
    expect(refusal(() => acquireDataDirLock(dataDir, 'test')).holder.startedAt).toBe('unknown');

    // Written by an older version: no host and no command, so its host cannot be told apart.
    writeLock({ pid: 4_000_000, startedAt: '2020-01-01T00:00:00.000Z' });
    error = refusal(() => acquireDataDirLock(dataDir, 'test'));
    expect(error.holder).toEqual({ pid: 4_000_000, hostname: '', command: 'unknown', startedAt: '2020-01-01T00:00:00.000Z' });

    writeLock({ pid: 4_000_000, hostname: `not-${hostname()}`, startedAt: '2020-01-01T00:00:00.000Z', command: 'elsewhere' });
    expect(refusal(() => acquireDataDirLock(dataDir, 'test')).holder.command).toBe('elsewhere');
    expect(readDataDirHolder(dataDir)?.command).toBe('elsewhere');

    // pid 1 runs here and started long before this lock was written.
    writeLock({ pid: 1, hostname: hostname(), startedAt: new Date().toISOString(), command: 'init' });
    expect(refusal(() => acquireDataDirLock(dataDir, 'test')).holder.pid).toBe(1);
  });

  it('judges a holder alive unless its process is gone or started well after the lock', async () => {
    const now = new Date().toISOString();
    expect(isAlive({ pid: 0, hostname: hostname(), startedAt: now, command: 'x' })).toBe(true);
    expect(isAlive({ pid: -1, hostname: hostname(), startedAt: now, command: 'x' })).toBe(true);
    expect(isAlive({ pid: await deadPid(), hostname: `not-${hostname()}`, startedAt: now, command: 'x' })).toBe(true);
    expect(isAlive({ pid: await deadPid(), hostname: hostname(), startedAt: now, command: 'x' })).toBe(false);
    expect(isAlive({ pid: 1, hostname: hostname(), startedAt: now, command: 'x' })).toBe(true);
    // A process that started about when the lock says (within 2 s) is its holder; one minute later, not.
    const ourStart = Date.now() - process.uptime() * 1_000;
    const at = (ms: number) => new Date(ms).toISOString();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      await new Promise((done) => child.once('spawn', done));
      const childStart = Date.now();
      expect(isAlive({ pid: child.pid!, hostname: hostname(), startedAt: at(childStart - 1_000), command: 'x' })).toBe(true);
      expect(isAlive({ pid: child.pid!, hostname: hostname(), startedAt: at(childStart - 60_000), command: 'x' })).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
    // This process's pid in a lock it does not hold: an earlier process's.
    expect(isAlive({ pid: process.pid, hostname: hostname(), startedAt: at(ourStart), command: 'x' })).toBe(false);
    const lock = acquireDataDirLock(dataDir, 'test');
    expect(isAlive(lock.holder())).toBe(true);
    lock.release();
  });

  it('takes over a dead holder past a takeover left by a dead process, never past one in progress', async () => {
    const dead = { pid: await deadPid(), hostname: hostname(), startedAt: new Date().toISOString(), command: 'gone' };
    writeLock(dead);
    const marker = `${lockPathOf(dataDir)}.takeover`;
    // A live process is taking the lock over: this one gives up, naming the holder it found.
    writeFileSync(marker, JSON.stringify({ pid: 1, hostname: hostname(), startedAt: new Date().toISOString(), command: 'takeover' }));
    const error = refusal(() => acquireDataDirLock(dataDir, 'test'));
    expect(error.holder).toEqual(dead);
    expect(existsSync(marker)).toBe(true);
    // The taker died a moment ago: its marker may still be in use by a slow takeover, and stays.
    const recent = {
      pid: await deadPid(),
      hostname: hostname(),
      startedAt: new Date(Date.now() - 5_000).toISOString(),
      command: 'takeover',
    };
    writeFileSync(marker, JSON.stringify(recent));
    expect(refusal(() => acquireDataDirLock(dataDir, 'test')).holder).toEqual(dead);
    expect(existsSync(marker)).toBe(true);
    // Dead for longer than a takeover takes: the marker is removed and the lock taken.
    writeFileSync(marker, JSON.stringify({ ...recent, startedAt: new Date(Date.now() - 11_000).toISOString() }));
    const lock = acquireDataDirLock(dataDir, 'test');
    expect(lockFile().pid).toBe(process.pid);
    expect(existsSync(marker)).toBe(false);
    lock.release();
  });
});
