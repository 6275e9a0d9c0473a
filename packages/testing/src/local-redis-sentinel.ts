import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './local-services.ts';

const run = promisify(execFile);
const startTimeoutMs = 30_000;

/**
 * A Redis master, one replica and three sentinels (quorum 2), from Debian's `redis-server` and
 * `redis-sentinel` packages, on free loopback ports. The data nodes start without
 * `notify-keyspace-events`: whoever needs keyspace notifications must enable them on each master,
 * the promoted replica included. Failover is quick: a master is down after downAfterMs of silence.
 */
export interface LocalRedisSentinelGroup {
  readonly masterName: string;
  readonly sentinels: readonly { readonly host: string; readonly port: number }[];
  /** REDIS_SENTINELS for the server: `host:port,host:port,host:port`. */
  readonly sentinelsEnv: string;
  /** The port of the master the sentinels name now. */
  masterPort(): Promise<number>;
  /** `redis://` URL of the data node on this port. */
  urlOf(port: number): string;
  /** SIGKILL the current master; answers its port. */
  crashMaster(): Promise<number>;
  /** Waits until the sentinels name a master other than `port` and it answers as a master. */
  waitForFailover(fromPort: number, timeoutMs?: number): Promise<number>;
  /** Starts again every data node that was killed, as a replica of the current master. */
  restartStopped(): Promise<void>;
  /** Stops (SIGKILL) the data node on this port. */
  stopNode(port: number): Promise<void>;
  destroy(): Promise<void>;
}

function binary(name: 'redis-server' | 'redis-sentinel' | 'redis-cli'): string {
  const path = `/usr/bin/${name}`;
  if (!existsSync(path))
    throw new Error(
      `${path} not found: apt-get install -y ${name === 'redis-cli' ? 'redis-tools' : name} (infra/ensure-test-tools.mjs installs it as root)`,
    );
  return path;
}

async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not listen on ${port} within ${startTimeoutMs} ms`);
}

async function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** One command through redis-cli; its output lines. */
export async function redisCli(port: number, ...args: string[]): Promise<string[]> {
  const { stdout } = await run(binary('redis-cli'), ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 5_000 });
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

export async function startLocalRedisSentinelGroup(
  options: { masterName?: string; downAfterMs?: number } = {},
): Promise<LocalRedisSentinelGroup> {
  const masterName = options.masterName ?? 'tracktrove';
  const downAfterMs = options.downAfterMs ?? 1_000;
  const dir = await mkdtemp(join(tmpdir(), 'tracktrove-sentinel-'));
  const [masterPort, replicaPort, ...sentinelPorts] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const dataPorts = [masterPort!, replicaPort!];
  const nodes = new Map<number, ChildProcess | undefined>();
  const sentinels: ChildProcess[] = [];

  const startNode = async (port: number, replicaOf?: number) => {
    const nodeDir = join(dir, `node-${port}`);
    await run('mkdir', ['-p', nodeDir]);
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      nodeDir,
      '--notify-keyspace-events',
      '',
    ];
    if (replicaOf !== undefined) args.push('--replicaof', '127.0.0.1', String(replicaOf));
    const child = spawn(binary('redis-server'), args, { stdio: 'ignore' });
    nodes.set(port, child);
    await waitForPort(port, child, `redis-server on ${port}`);
  };

  const destroy = async () => {
    await Promise.all([...sentinels, ...nodes.values()].map((child) => kill(child)));
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await startNode(masterPort!);
    await startNode(replicaPort!, masterPort!);
    for (const port of sentinelPorts) {
      const config = join(dir, `sentinel-${port}.conf`);
      // Sentinel rewrites its configuration file (what it learns of replicas, failovers, epochs).
      await writeFile(
        config,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${masterName} ${downAfterMs}`,
          `sentinel failover-timeout ${masterName} 10000`,
          `sentinel parallel-syncs ${masterName} 1`,
          '',
        ].join('\n'),
      );
      const child = spawn(binary('redis-sentinel'), [config], { stdio: 'ignore' });
      sentinels.push(child);
      await waitForPort(port, child, `redis-sentinel on ${port}`);
    }
  } catch (error) {
    await destroy();
    throw error;
  }

  const masterPortNow = async (): Promise<number> => {
    let lastError: unknown;
    for (const port of sentinelPorts) {
      try {
        const [, masterPortText] = await redisCli(port, 'SENTINEL', 'get-master-addr-by-name', masterName);
        if (masterPortText) return Number(masterPortText);
      } catch (error) {
        lastError = error;
      }
    }
    throw new Error(`no sentinel names a master for ${masterName}: ${String(lastError)}`);
  };

  return {
    masterName,
    sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
    sentinelsEnv: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(','),
    masterPort: masterPortNow,
    urlOf: (port) => `redis://127.0.0.1:${port}`,
    async crashMaster() {
      const port = await masterPortNow();
      await kill(nodes.get(port));
      nodes.set(port, undefined);
      return port;
    },
    async waitForFailover(fromPort, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const port = await masterPortNow().catch(() => fromPort);
        if (port !== fromPort) {
          const role = await redisCli(port, 'ROLE').catch(() => []);
          if (role[0] === 'master') return port;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`the sentinels did not promote a replica of ${masterName} within ${timeoutMs} ms`);
    },
    async restartStopped() {
      const master = await masterPortNow();
      for (const port of dataPorts) if (!nodes.get(port)) await startNode(port, port === master ? undefined : master);
    },
    async stopNode(port) {
      await kill(nodes.get(port));
      nodes.set(port, undefined);
    },
    destroy,
  };
}
