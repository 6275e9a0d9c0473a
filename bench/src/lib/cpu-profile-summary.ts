/**
 * Summarises a V8 CPU profile (`node --cpu-prof`) of the server under a benchmark: the share of
 * busy time (samples that are not idle) by package or file, self and inclusive, and by the
 * parts of TrackTrove named in `parts`. Inclusive shares overlap (a frame counts once per sample
 * for every part on its stack); the profile is of the main thread only.
 */

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface ProfileSummary {
  readonly samples: number;
  readonly idleShare: number;
  /** Shares of busy samples. */
  readonly garbageCollection: number;
  readonly selfByPackage: ReadonlyArray<readonly [string, number]>;
  readonly inclusiveByPart: ReadonlyArray<readonly [string, number]>;
}

/** The parts of the server a reader asks about, by the path of their source. */
export const serverParts: ReadonlyArray<readonly [string, RegExp]> = [
  ['node-postgres (pg, pg-protocol)', /node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?(pg|pg-protocol)\//],
  ['kysely', /node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?kysely\//],
  ['Fastify', /node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?fastify\//],
  ["the API's hooks and body parser (app.ts)", /apps\/api\/src\/app\.ts/],
  ['helmet', /node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?(helmet|@fastify\/helmet)\//],
  ['rate limit', /@fastify\/rate-limit/],
  ['zod', /node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?zod\//],
  ['the command route (transaction-commands.ts)', /apps\/api\/src\/routes\/transaction-commands/],
  ['command bus', /packages\/application\/src\/command-bus/],
  ['decide (domain)', /packages\/domain\/src\/decider\/decide/],
  ['trace steps and metadata', /packages\/domain\/src\/(decider\/trace-steps|events\/metadata)/],
  ['command effects', /packages\/application\/src\/(command-effects|apply-effects)/],
  ['append statement', /packages\/event-store\/src\/append-to-streams/],
  ['Redis holds', /packages\/timers\/src\/redis-holds/],
  ['read models (projections)', /packages\/projections\//],
  ['log tail and subscriptions', /packages\/event-store\/src\/(subscribe|read-all-pages|log-waker)|apps\/api\/src\/stream\//],
  ['simulated gateway and webhooks', /packages\/simulator\//],
];

/** The package (node_modules/<name>) or the repository file a frame's URL names. */
function placeOf(url: string, functionName: string): string {
  if (!url) return functionName || '(native code)';
  const inPackage = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inPackage) return inPackage[1]!;
  const inRepo = /\/((?:packages|apps|bench)\/.*)$/.exec(url);
  return inRepo ? inRepo[1]! : url;
}

/** Summarises the samples of the last `lastSeconds` of the profile (the measured window). */
export function summariseProfile(profile: CpuProfile, lastSeconds: number, parts = serverParts): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const from = profile.endTime - lastSeconds * 1e6;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let samples = 0;
  let idle = 0;
  let garbage = 0;
  let time = profile.startTime;
  for (let index = 0; index < profile.samples.length; index += 1) {
    time += profile.timeDeltas[index] ?? 0;
    if (time < from) continue;
    samples += 1;
    const leaf = byId.get(profile.samples[index]!)!;
    if (leaf.callFrame.functionName === '(idle)') {
      idle += 1;
      continue;
    }
    if (leaf.callFrame.functionName === '(garbage collector)') garbage += 1;
    const place = placeOf(leaf.callFrame.url, leaf.callFrame.functionName);
    self.set(place, (self.get(place) ?? 0) + 1);
    const hit = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parentOf.get(id)) {
      const url = byId.get(id)!.callFrame.url;
      for (const [name, pattern] of parts) if (pattern.test(url)) hit.add(name);
    }
    for (const name of hit) inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
  }
  const busy = Math.max(1, samples - idle);
  const shares = (counts: Map<string, number>) =>
    [...counts].sort((a, b) => b[1] - a[1]).map(([name, count]) => [name, count / busy] as const);
  return {
    samples,
    idleShare: samples > 0 ? idle / samples : Number.NaN,
    garbageCollection: garbage / busy,
    selfByPackage: shares(self),
    inclusiveByPart: shares(inclusive),
  };
}
