import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

// A database that cannot be reached: a usage error must be answered before anything is opened
// (it would otherwise fail with exit code 1, "cannot reach").
const env = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };

describe('tracktrove usage', () => {
  it("prints the commands with --help, and a command's options with <command> --help", async () => {
    const help = await runCli(['--help'], env);
    expect(help.code).toBe(0);
    for (const line of [
      'start',
      'migrate',
      'projections status',
      'projections rebuild <name|all>',
      'projections verify',
      'simulate [--count N]',
      'replay <transactionId>',
    ]) {
      expect(help.stdout).toContain(`  ${line}`);
    }
    expect(help.stdout).toContain('Exit codes: 0 done, 1 failed');

    const simulate = await runCli(['simulate', '--help'], env);
    expect(simulate.code).toBe(0);
    for (const flag of [
      '--count N',
      '--seed S',
      '--success-rate R',
      '--drop-webhooks R',
      '--duplicate-webhooks R',
      '--webhook-delay-ms N',
      '--hold-expiry release|void',
      '--refund-rate R',
      '--refund-failure-rate R',
      '--concurrency N',
      '--max-wait-s N',
    ]) {
      expect(simulate.stdout).toContain(flag);
    }
    expect(simulate.stdout).toContain('1 to 100000');
    expect((await runCli(['help', 'replay'], env)).stdout).toContain('usage: tracktrove replay <transactionId>');
    const start = await runCli(['start', '-h'], env);
    expect(start.code).toBe(0);
    expect(start.stdout).toContain('usage: tracktrove start');
  });

  it('prints the usage on stderr with exit code 2 when no command is given', async () => {
    const result = await runCli([], env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('usage: tracktrove <command>');
  });

  const mistakes: Array<[args: string[], message: string]> = [
    [['nonsense'], "tracktrove: unknown command 'nonsense' (commands: start, migrate, projections, simulate, replay, listen)"],
    [['--count', '5'], 'tracktrove: options go after the command'],
    [['help', 'nonsense'], "unknown command 'nonsense'"],
    [['simulate', '--bogus'], 'tracktrove simulate: unknown option --bogus (options: --count,'],
    [['simulate', '-x'], 'tracktrove simulate: unknown option -x'],
    [['simulate', '--count'], 'tracktrove simulate: --count needs a value (N)'],
    [['simulate', '--count', '-5'], "tracktrove simulate: --count must be a whole number from 1 to 100000, got '-5'"],
    [['simulate', '--count=-5'], "--count must be a whole number from 1 to 100000, got '-5'"],
    [['simulate', '--count', 'abc'], "--count must be a whole number from 1 to 100000, got 'abc'"],
    [['simulate', '--count', '1.5'], "--count must be a whole number from 1 to 100000, got '1.5'"],
    [['simulate', '--count', '1e3'], "--count must be a whole number from 1 to 100000, got '1e3'"],
    [['simulate', '--count', '0'], "--count must be a whole number from 1 to 100000, got '0'"],
    [['simulate', '--count', '100001'], "--count must be a whole number from 1 to 100000, got '100001'"],
    [['simulate', '--count', '5', '--count', '6'], '--count is given twice'],
    [['simulate', '--success-rate', '1.5'], "--success-rate must be a rate from 0 to 1 (such as 0.8), got '1.5'"],
    [['simulate', '--success-rate', '-0.1'], "--success-rate must be a rate from 0 to 1 (such as 0.8), got '-0.1'"],
    [['simulate', '--success-rate', 'NaN'], "--success-rate must be a rate from 0 to 1 (such as 0.8), got 'NaN'"],
    [['simulate', '--drop-webhooks', '2'], "--drop-webhooks must be a rate from 0 to 1 (such as 0.8), got '2'"],
    [['simulate', '--duplicate-webhooks', 'x'], '--duplicate-webhooks must be a rate from 0 to 1'],
    [['simulate', '--refund-rate', '1.01'], '--refund-rate must be a rate from 0 to 1'],
    [['simulate', '--refund-failure-rate', '-1'], '--refund-failure-rate must be a rate from 0 to 1'],
    [['simulate', '--seed', '-1'], "--seed must be a whole number from 0 to 2147483647, got '-1'"],
    [['simulate', '--seed', '1.5'], "--seed must be a whole number from 0 to 2147483647, got '1.5'"],
    [['simulate', '--seed', '2147483648'], "--seed must be a whole number from 0 to 2147483647, got '2147483648'"],
    [['simulate', '--webhook-delay-ms', '86400001'], '--webhook-delay-ms must be a whole number from 0 to 86400000'],
    [['simulate', '--hold-expiry', 'keep'], "--hold-expiry must be one of release, void, got 'keep'"],
    [['simulate', '--concurrency', '65'], '--concurrency must be a whole number from 1 to 64'],
    [['simulate', '--max-wait-s', '3601'], '--max-wait-s must be a whole number from 0 to 3600'],
    [['simulate', '500'], "tracktrove simulate: unexpected argument '500'"],
    [['replay'], 'tracktrove replay: missing <transactionId>'],
    [['replay', 'not-a-uuid'], "tracktrove replay: 'not-a-uuid' is not a transaction id (a UUID"],
    [['replay', '0b8e6f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5'], 'is not a transaction id'],
    [['replay', '0b8e6f7a1c2d4e5f8a9b0c1d2e3f4a5b----'], 'is not a transaction id'],
    [['replay', '0b8e6f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b', 'extra'], "unexpected argument 'extra'"],
    [['projections'], 'tracktrove projections: missing action: status, rebuild <name|all> or verify'],
    [['projections', 'show'], "tracktrove projections: unknown action 'show'"],
    [['projections', 'rebuild'], 'tracktrove projections rebuild: missing <name|all>'],
    [
      ['projections', 'rebuild', 'nosuch'],
      "tracktrove projections rebuild: unknown read model 'nosuch' (read models: transactions, traces, ledger; or all)",
    ],
    [['projections', 'status', 'now'], "tracktrove projections status: unexpected argument 'now'"],
    [['projections', 'verify', '--count', '1'], 'tracktrove projections: unknown option --count (options: --url, --token, --data-dir)'],
    [
      ['projections', 'status', '--url', 'localhost:8080'],
      "tracktrove projections status: --url must be an http(s) URL such as http://localhost:8080, got 'localhost:8080'",
    ],
    [
      ['simulate', '--url', 'ftp://example.com'],
      "tracktrove simulate: --url must be an http(s) URL such as http://localhost:8080, got 'ftp://example.com'",
    ],
    [['replay', '0b8e6f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b', '--url'], 'tracktrove replay: --url needs a value (URL)'],
    [['migrate', '--url', 'http://localhost:8080'], 'tracktrove migrate: unknown option --url (options: --data-dir)'],
    [['migrate', '--data-dir'], 'tracktrove migrate: --data-dir needs a value (DIR)'],
    [['migrate', '--count', '5'], 'tracktrove migrate: unknown option --count (options: --data-dir)'],
    [['migrate', 'now'], "tracktrove migrate: unexpected argument 'now'"],
    [['start', '--port', '9000'], 'tracktrove start: unknown option --port (options: --data-dir)'],
    [['start', 'now'], "tracktrove start: unexpected argument 'now'"],
  ];

  it.each(mistakes)('refuses %j with exit code 2 and one line naming the mistake', async (args, message) => {
    const result = await runCli(args, env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/\(see tracktrove( [a-z]+)? --help\)\n$/);
  });

  it('says which database it cannot reach, in one line with exit code 1', async () => {
    const result = await runCli(['migrate'], { DATABASE_URL: 'postgres://someone:secret@127.0.0.1:1/none' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^tracktrove migrate: cannot reach PostgreSQL at 127\.0\.0\.1:1\/none: .+\n$/);
    expect(result.stderr).not.toContain('secret');
  });

  it('answers a bad configuration in one line with exit code 1', async () => {
    const result = await runCli(['migrate'], { DATABASE_URL: 'not a url' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^tracktrove migrate: invalid configuration: DATABASE_URL: .+\n$/);
  });

  it('refuses a URL where something other than a TrackTrove server answers, in one line with exit code 2', async () => {
    const other = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>a blog</html>'));
    await new Promise<void>((done) => other.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      const result = await runCli(['replay', '0b8e6f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b', '--url', url], {});
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toBe(
        `tracktrove replay: ${url} does not answer as a TrackTrove server (GET /health: 200, not JSON): check --url\n`,
      );
    } finally {
      await new Promise((done) => other.close(done));
    }
  });

  it('sets the exit code of the tracktrove process and prints no stack trace', async () => {
    const bin = resolve(import.meta.dirname, '../bin/tracktrove.mjs');
    const failed = await promisify(execFile)(process.execPath, [bin, 'simulate', '--count', '-5'], {
      env: { ...process.env, ...env },
    }).then(
      () => null,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stdout).toBe('');
    expect(failed?.stderr).toBe(
      "tracktrove simulate: --count must be a whole number from 1 to 100000, got '-5' (see tracktrove simulate --help)\n",
    );
  });
});
