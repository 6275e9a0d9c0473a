import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '@tracktrove/testing';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../../..');
const readyTimeoutMs = 60_000;

/**
 * The installable tool as a user gets it: packed, installed with npm into a prefix of its own, run
 * from there with a home of its own (no workspace, no tsx, no DATA_DIR), the CLI beside the server.
 */
describe('the packed tool', () => {
  const work = mkdtempSync(join(tmpdir(), 'tracktrove-package-'));
  const prefix = join(work, 'prefix');
  const home = join(work, 'home');
  const userEnv = { PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`, HOME: home, LOG_LEVEL: 'warn' };
  let server: ReturnType<typeof spawn> | undefined;

  afterAll(() => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('installs from its tarball with npm and serves the API and the viewer with data in a per-user directory', async () => {
    const { stdout: packed } = await run(process.execPath, [join(root, 'infra/pack-cli.mjs')], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    const tarball = packed.trim().split('\n').at(-1)!;
    expect(tarball).toMatch(/tracktrove-\d+\.\d+\.\d+\.tgz$/);
    await run('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel', 'error', tarball], { cwd: work });
    expect(existsSync(join(prefix, 'bin', 'tracktrove'))).toBe(true);

    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    let output = '';
    server = spawn('tracktrove', ['start'], {
      cwd: work,
      env: { ...userEnv, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((done) => server!.once('exit', (code) => done(code)));
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`tracktrove start exited (${server.exitCode}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`tracktrove start did not answer /health within ${readyTimeoutMs} ms:\n${output}`);
      const health = (await fetch(`${baseUrl}/health`).then(
        (response) => response.json(),
        () => null,
      )) as { status?: string } | null;
      if (health?.status === 'ok') break;
      await new Promise((done) => setTimeout(done, 100));
    }
    const dataDir = join(home, '.local', 'share', 'tracktrove');
    expect(existsSync(join(dataDir, 'pglite', 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(true);

    const page = await fetch(`${baseUrl}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');

    const initiated = await fetch(`${baseUrl}/api/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vendorId: '6b1f3c2e-5d4a-5e8b-9c7d-1a2b3c4d5e01', amount: '3.00', currency: 'INR', channel: 'WEB' }),
    });
    expect(initiated.status).toBe(201);

    const simulated = await run('tracktrove', ['simulate', '--count', '20'], { cwd: work, env: userEnv });
    expect(simulated.stdout).toMatch(/\ntotal\s+20\s+100\.0%/);
    expect(simulated.stdout).toContain('balanced, no invariant violated');
    const listed = (await (await fetch(`${baseUrl}/api/transactions?limit=100`)).json()) as { items: unknown[] };
    expect(listed.items).toHaveLength(21);

    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
  }, 240_000);
});
