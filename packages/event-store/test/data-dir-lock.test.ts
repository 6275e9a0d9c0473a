import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError, lockPathOf, readDataDirHolder } from '../src/data-dir-lock.ts';
import { createPgliteDatabase } from '../src/pglite-database.ts';

const holderScript = resolve(import.meta.dirname, 'support/lock-holder.ts');

/** The lock holder as a real process; resolves with its first line of output. */
function startHolder(
  dataDir: string,
  mode: 'hold' | 'exit',
): { child: ChildProcess; firstLine: Promise<string>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', holderScript, dataDir, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const firstLine = new Promise<string>((done, fail) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('\n')) done(output.split('\n')[0]!);
    });
    child.once('exit', (code) => (output.includes('\n') ? undefined : fail(new Error(`holder exited ${code} without a word`))));
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, firstLine, exited };
}

/** A pid that no process has any more. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((done) => child.once('exit', done));
  return child.pid!;
}

describe('the lock of an embedded data directory', () => {
  let root: string;
  let dataDir: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tracktrove-lock-'));
    dataDir = join(root, 'pglite');
  });
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses a second process while the first lives, and is taken over once it was killed', async () => {
    const first = startHolder(dataDir, 'hold');
    children.push(first.child);
    expect(await first.firstLine).toBe(`held ${first.child.pid}`);

    const second = startHolder(dataDir, 'hold');
    children.push(second.child);
    expect(await second.firstLine).toBe(`refused ${first.child.pid}`);
    expect(await second.exited).toBe(3);
    expect(() => acquireDataDirLock(dataDir, 'test')).toThrow(DataDirLockedError);
    expect(readDataDirHolder(dataDir)?.pid).toBe(first.child.pid);

    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(lockPathOf(dataDir))).toBe(true);
    expect(readDataDirHolder(dataDir)).toBeNull();
    const lock = acquireDataDirLock(dataDir, 'test');
    expect(JSON.parse(readFileSync(lockPathOf(dataDir), 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(lockPathOf(dataDir))).toBe(false);
  });

  it('is released when its holder exits without releasing it', async () => {
    const holder = startHolder(dataDir, 'exit');
    expect(await holder.firstLine).toBe(`held ${holder.child.pid}`);
    expect(await holder.exited).toBe(0);
    expect(existsSync(lockPathOf(dataDir))).toBe(false);
  });

  it('goes to exactly one of several processes that find the same stale lock', async () => {
    writeFileSync(
      lockPathOf(dataDir),
      JSON.stringify({ pid: await deadPid(), hostname: hostname(), startedAt: new Date().toISOString(), command: 'gone' }),
    );
    const racers = Array.from({ length: 5 }, () => startHolder(dataDir, 'hold'));
    children.push(...racers.map((racer) => racer.child));
    const lines = await Promise.all(racers.map((racer) => racer.firstLine));
    const winners = lines.filter((line) => line.startsWith('held '));
    expect(winners).toHaveLength(1);
    const winnerPid = Number(winners[0]!.split(' ')[1]);
    expect(lines.filter((line) => line === `refused ${winnerPid}`)).toHaveLength(4);
    expect(JSON.parse(readFileSync(lockPathOf(dataDir), 'utf8')).pid).toBe(winnerPid);
  });

  it('takes over a lock whose pid now belongs to a process that started after it was written', async () => {
    const other = startHolder(join(root, 'elsewhere'), 'hold');
    children.push(other.child);
    await other.firstLine;
    const lockOf = (pid: number, startedAt: string) =>
      writeFileSync(lockPathOf(dataDir), JSON.stringify({ pid, hostname: hostname(), startedAt, command: 'old' }));
    // A live process that was already running when the lock was taken: its holder.
    lockOf(other.child.pid!, new Date(Date.now() + 60_000).toISOString());
    expect(readDataDirHolder(dataDir)?.pid).toBe(other.child.pid);
    expect(() => acquireDataDirLock(dataDir, 'test')).toThrow(DataDirLockedError);
    // The same pid, but the lock is older than the process: a pid reused after its holder died.
    lockOf(other.child.pid!, '2020-01-01T00:00:00.000Z');
    expect(readDataDirHolder(dataDir)).toBeNull();
    // This process's own pid in a lock it never took (a container's pid 1 after a restart).
    lockOf(process.pid, new Date().toISOString());
    expect(readDataDirHolder(dataDir)).toBeNull();
    acquireDataDirLock(dataDir, 'test').release();
  });

  it('keeps PGlite from opening a directory held by a live process, and releases it on close', async () => {
    const holder = startHolder(dataDir, 'hold');
    children.push(holder.child);
    await holder.firstLine;
    await expect(createPgliteDatabase(dataDir, 'test')).rejects.toThrow(DataDirLockedError);
    expect(existsSync(dataDir)).toBe(false);
    holder.child.kill('SIGKILL');
    await holder.exited;
    const database = await createPgliteDatabase(dataDir, 'test');
    await expect(createPgliteDatabase(dataDir, 'second in this process')).rejects.toThrow(DataDirLockedError);
    expect(database.dataDirLock?.holder().pid).toBe(process.pid);
    await database.close();
    expect(existsSync(lockPathOf(dataDir))).toBe(false);
  });
});
