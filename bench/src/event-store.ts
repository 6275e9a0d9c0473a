/**
 * Event store throughput, against references measured on the same server in the same run.
 *
 * Workloads (every measurement in its own fresh database, after a checkpoint):
 *  - append 1 event per call, 16 concurrent writers. Each writer owns STREAMS_PER_WRITER streams
 *    and appends to them round-robin with an exact expected version (the first append to a stream
 *    expects 'no_stream'): the common command-handler path, an existing stream checked under a
 *    row lock, rather than creating a new stream for every event.
 *  - append 100 events per call, 4 concurrent writers, same stream scheme (8 streams per writer).
 *  - readAll over a 200,000-event log in batches of 5,000.
 * References: raw pg INSERTs of the same rows into a table created LIKE tt_events INCLUDING ALL
 * (one autocommit INSERT per event; one 100-row multi-VALUES INSERT per call), raw keyset SELECT
 * of the same rows, and Emmett's PostgreSQL event store (appendToStream with expectedStreamVersion).
 * Every system gets a 16-connection pool and the same event payload.
 *
 * Knobs: BENCH_SECONDS (measured seconds per append workload, default 8), BENCH_WARMUP_SECONDS
 * (default 1.5), BENCH_READ_EVENTS (default 200000).
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import {
  createEventStore,
  createPostgresDatabase,
  migrateToLatest,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
} from '@tracktrove/event-store';
import { rawEventData, rawEventMetadata, rawEventType } from './lib/raw-insert.ts';
import { atLeast, loadMetrics, perSecond, quantile, runClosedLoops, type LoadResult } from './lib/stats.ts';
import type { BenchContext, BenchDatabase, BenchPostgres, Benchmark, Figure } from './lib/types.ts';

const seconds = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

const config = {
  poolSize: 16,
  singleWriters: 16,
  batchWriters: 4,
  batchSize: 100,
  streamsPerSingleWriter: 32,
  streamsPerBatchWriter: 8,
  measureMs: seconds('BENCH_SECONDS', 8) * 1000,
  warmupMs: seconds('BENCH_WARMUP_SECONDS', 1.5) * 1000,
  readEvents: Math.round(seconds('BENCH_READ_EVENTS', 200_000)),
  readBatch: 5_000,
  seedBatch: 1_000,
  seedWriters: 4,
};

/** The same ~300-byte data and ~200-byte metadata as the raw reference writes (lib/raw-insert.ts). */
const eventType = rawEventType;
const eventData = rawEventData;
const eventMetadata = rawEventMetadata;

const streamId = (prefix: string, writer: number, stream: number) => `ledger-${prefix}w${writer}s${stream}`;

/** Round-robin over each writer's own streams, remembering the versions it wrote. */
function streamCursor(writers: number, streamsPerWriter: number) {
  const versions = new Float64Array(writers * streamsPerWriter);
  const turns = new Float64Array(writers);
  return {
    next(writer: number): { slot: number; stream: number; version: number } {
      const stream = turns[writer]! % streamsPerWriter;
      turns[writer]! += 1;
      const slot = writer * streamsPerWriter + stream;
      return { slot, stream, version: versions[slot]! };
    },
    advance(slot: number, by: number) {
      versions[slot]! += by;
    },
  };
}

interface System {
  readonly name: string;
  /** One call appending `count` events to writer's next stream; resolves to the count. */
  append(writer: number, count: number): Promise<number>;
  close(): Promise<void>;
}

function newEvents(count: number): NewEvent[] {
  return Array.from({ length: count }, () => ({ eventId: randomUUID(), type: eventType, data: eventData, metadata: eventMetadata }));
}

async function tracktroveSystem(
  url: string,
  prefix: string,
  writers: number,
  streamsPerWriter: number,
): Promise<System & { store: EventStore }> {
  const database = createPostgresDatabase({ connectionString: url, poolSize: config.poolSize });
  await migrateToLatest(database.db);
  const store = await createEventStore({ database });
  const cursor = streamCursor(writers, streamsPerWriter);
  return {
    name: 'TrackTrove',
    store,
    async append(writer, count) {
      const { slot, stream, version } = cursor.next(writer);
      const expectedVersion: ExpectedVersion = version === 0 ? 'no_stream' : version;
      await store.appendToStream(streamId(prefix, writer, stream), newEvents(count), { expectedVersion });
      cursor.advance(slot, count);
      return count;
    },
    async close() {
      await store.close();
      await database.close();
    },
  };
}

const rawColumns = '(stream_id, stream_version, event_id, type, schema_version, data, metadata)';

async function rawSystem(url: string, prefix: string, writers: number, streamsPerWriter: number): Promise<System> {
  // The store's schema first, so that the reference table is LIKE the real one (same indexes).
  const database = createPostgresDatabase({ connectionString: url, poolSize: 1 });
  await migrateToLatest(database.db);
  await database.close();
  const pool = new pg.Pool({ connectionString: url, max: config.poolSize });
  pool.on('error', () => undefined);
  await pool.query('create table raw_events (like tt_events including all)');
  const cursor = streamCursor(writers, streamsPerWriter);
  const statements = new Map<number, string>();
  const statement = (count: number) => {
    let text = statements.get(count);
    if (!text) {
      const rows = Array.from(
        { length: count },
        (_, row) => `(${Array.from({ length: 7 }, (_, column) => `$${row * 7 + column + 1}`).join(', ')})`,
      );
      text = `insert into raw_events ${rawColumns} values ${rows.join(', ')}`;
      statements.set(count, text);
    }
    return text;
  };
  return {
    name: 'raw pg INSERT',
    async append(writer, count) {
      const { slot, stream, version } = cursor.next(writer);
      const id = streamId(prefix, writer, stream);
      const values: unknown[] = [];
      for (let index = 1; index <= count; index += 1)
        values.push(id, version + index, randomUUID(), eventType, 1, eventData, eventMetadata);
      await pool.query(statement(count), values);
      cursor.advance(slot, count);
      return count;
    },
    close: () => pool.end(),
  };
}

/**
 * Emmett's dumbo sets process-wide pg type parsers (int8 as BigInt, its own JSON parser) when its
 * pool is created. They are applied only while Emmett runs, so the other systems keep pg's defaults.
 */
const parserOids = [20, 114, 3802, 1016]; // int8, json, jsonb, int8[]
type Parser = (value: string) => unknown;
type Parsers = Map<number, Parser>;
const typeRegistry = pg.types as unknown as {
  getTypeParser(oid: number, format: 'text'): Parser;
  setTypeParser(oid: number, parser: Parser): void;
};
const snapshotParsers = (): Parsers => new Map(parserOids.map((oid) => [oid, typeRegistry.getTypeParser(oid, 'text')]));
const applyParsers = (parsers: Parsers) => {
  for (const [oid, parser] of parsers) typeRegistry.setTypeParser(oid, parser);
};
let emmettParsers: Parsers | undefined;

async function emmettVersion(): Promise<string> {
  const entry = fileURLToPath(import.meta.resolve('@event-driven-io/emmett-postgresql'));
  const manifest = JSON.parse(await readFile(entry.replace(/dist[\\/][^\\/]+$/, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

async function emmettSystem(url: string, prefix: string, writers: number, streamsPerWriter: number, name: string): Promise<System> {
  const ours = snapshotParsers();
  if (emmettParsers) applyParsers(emmettParsers);
  const pool = new pg.Pool({ connectionString: url, max: config.poolSize });
  pool.on('error', () => undefined);
  const store = getPostgreSQLEventStore(url, { connectionOptions: { pool } });
  await store.schema.migrate();
  const cursor = streamCursor(writers, streamsPerWriter);
  return {
    name,
    async append(writer, count) {
      const { slot, stream, version } = cursor.next(writer);
      const events = Array.from({ length: count }, () => ({ type: eventType, data: eventData, metadata: eventMetadata }));
      const result = await store.appendToStream(streamId(prefix, writer, stream), events, { expectedStreamVersion: BigInt(version) });
      if (result.nextExpectedStreamVersion !== BigInt(version + count))
        throw new Error(`Emmett append ended at ${result.nextExpectedStreamVersion}, expected ${version + count}`);
      cursor.advance(slot, count);
      return count;
    },
    async close() {
      await store.close();
      await pool.end();
      emmettParsers = snapshotParsers();
      applyParsers(ours);
    },
  };
}

type SystemFactory = (url: string, prefix: string, writers: number, streamsPerWriter: number) => Promise<System>;

async function inFreshDatabase<T>(server: BenchPostgres, label: string, work: (database: BenchDatabase) => Promise<T>): Promise<T> {
  await server.checkpoint();
  const database = await server.createDatabase(label);
  try {
    return await work(database);
  } finally {
    await database.drop();
  }
}

async function measureAppends(
  context: BenchContext,
  server: BenchPostgres,
  factory: SystemFactory,
  workload: { id: string; label: string; writers: number; count: number; streamsPerWriter: number },
): Promise<{ system: string; result: LoadResult }> {
  return inFreshDatabase(server, workload.id, async (database) => {
    const system = await factory(database.url, workload.id, workload.writers, workload.streamsPerWriter);
    try {
      context.log(`${workload.label}: ${system.name} (${config.warmupMs / 1000} s warm-up, ${config.measureMs / 1000} s measured)`);
      const result = await runClosedLoops({
        writers: workload.writers,
        warmupMs: config.warmupMs,
        durationMs: config.measureMs,
        call: (writer) => system.append(writer, workload.count),
      });
      return { system: system.name, result };
    } finally {
      await system.close();
    }
  });
}

interface ReadResult {
  readonly events: number;
  readonly elapsedMs: number;
  readonly batchMs: number[];
}

async function measureRead(
  readBatch: (after: { txId: string; seq: string } | undefined) => Promise<{ count: number; last?: { txId: string; seq: string } }>,
  warmupEvents: number,
): Promise<ReadResult> {
  // Warm-up: the first batches, not recorded.
  let after: { txId: string; seq: string } | undefined;
  for (let read = 0; read < warmupEvents; ) {
    const batch = await readBatch(after);
    read += batch.count;
    after = batch.last;
    if (batch.count === 0) break;
  }
  after = undefined;
  const batchMs: number[] = [];
  let events = 0;
  const start = performance.now();
  for (;;) {
    const before = performance.now();
    const batch = await readBatch(after);
    batchMs.push(performance.now() - before);
    events += batch.count;
    after = batch.last ?? after;
    if (batch.count < config.readBatch) break;
  }
  return { events, elapsedMs: performance.now() - start, batchMs };
}

/** A read measurement as a figure: events/s and per-batch p50/p99. */
function readFigure(id: string, workload: string, system: string, result: ReadResult, extra: Record<string, unknown> = {}): Figure {
  return {
    id,
    workload,
    system,
    reference: system !== 'TrackTrove',
    metrics: {
      'events/s': perSecond(result.events, result.elapsedMs),
      'p50 ms': quantile(result.batchMs, 0.5),
      'p99 ms': quantile(result.batchMs, 0.99),
    },
    details: { events: result.events, elapsedMs: result.elapsedMs, batches: result.batchMs.length, ...extra },
  };
}

async function readBenchmarks(context: BenchContext, server: BenchPostgres): Promise<Figure[]> {
  return inFreshDatabase(server, 'read', async (database) => {
    const seeded = await tracktroveSystem(database.url, 'seed', config.seedWriters, 1);
    const figures: Figure[] = [];
    try {
      // Seed with the store itself: 1,000-event appends, each to a new stream.
      context.log(
        `read: seeding ${config.readEvents.toLocaleString('en-US')} events through appendToStream (${config.seedBatch}/call, ${config.seedWriters} writers)`,
      );
      let calls = 0;
      const totalCalls = Math.ceil(config.readEvents / config.seedBatch);
      const seedStart = performance.now();
      await Promise.all(
        Array.from({ length: config.seedWriters }, async () => {
          while (calls < totalCalls) {
            const call = calls++;
            await seeded.store.appendToStream(`ledger-seed-${call}`, newEvents(config.seedBatch), { expectedVersion: 'no_stream' });
          }
        }),
      );
      const seedMs = performance.now() - seedStart;
      figures.push({
        id: 'seed-1000.tracktrove',
        workload: `append ${config.seedBatch} events/call, ${config.seedWriters} writers (seeding)`,
        system: 'TrackTrove',
        reference: false,
        metrics: { 'events/s': perSecond(config.readEvents, seedMs) },
        details: { events: config.readEvents, elapsedMs: seedMs },
      });
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      await admin.query('vacuum analyze tt_events');
      const plan = await admin.query<{ 'QUERY PLAN': string }>(
        `explain select * from tt_events where (tx_id, seq) > ('0'::xid8, 0::bigint) and tx_id < pg_snapshot_xmin(pg_current_snapshot()) order by tx_id, seq limit ${config.readBatch}`,
      );
      await admin.end();

      context.log(`read: TrackTrove readAll, batches of ${config.readBatch}`);
      const ours = await measureRead(async (after) => {
        const page = await seeded.store.readAll({
          after: after ? { txId: BigInt(after.txId), seq: BigInt(after.seq) } : 'start',
          maxCount: config.readBatch,
        });
        const last = page.events.at(-1);
        return {
          count: page.events.length,
          last: last ? { txId: last.logPosition.txId.toString(), seq: last.logPosition.seq.toString() } : undefined,
        };
      }, 4 * config.readBatch);
      const readAllWorkload = `readAll ${config.readEvents.toLocaleString('en-US')} events, batch ${config.readBatch}`;
      figures.push(readFigure('read.tracktrove', readAllWorkload, 'TrackTrove', ours, { plan: plan.rows.map((row) => row['QUERY PLAN']) }));

      context.log(`read: TrackTrove readAll, every event's data and metadata decoded, batches of ${config.readBatch}`);
      const decoded = await measureRead(async (after) => {
        const page = await seeded.store.readAll({
          after: after ? { txId: BigInt(after.txId), seq: BigInt(after.seq) } : 'start',
          maxCount: config.readBatch,
        });
        // Payloads are parsed on first access: touch both of every event, as a projector handling every event would.
        for (const event of page.events)
          if (event.data === undefined || event.metadata === undefined) throw new Error('event without payload');
        const last = page.events.at(-1);
        return {
          count: page.events.length,
          last: last ? { txId: last.logPosition.txId.toString(), seq: last.logPosition.seq.toString() } : undefined,
        };
      }, 4 * config.readBatch);
      figures.push(readFigure('read.tracktrove-decoded', `${readAllWorkload}, payloads decoded`, 'TrackTrove', decoded));

      context.log(`read: TrackTrove readAllPages (the next page requested while one is handled), batches of ${config.readBatch}`);
      {
        const warmupEvents = 4 * config.readBatch;
        let seen = 0;
        let measured = 0;
        let startedAt = 0;
        let pageStartedAt = performance.now();
        const pageMs: number[] = [];
        for await (const page of seeded.store.readAllPages({ maxCount: config.readBatch })) {
          // Touch every event the way a consumer would.
          for (const event of page.events) if (event.version < 1) throw new Error('corrupt event');
          seen += page.events.length;
          if (seen <= warmupEvents) {
            startedAt = performance.now();
          } else {
            measured += page.events.length;
            pageMs.push(performance.now() - pageStartedAt);
          }
          pageStartedAt = performance.now();
        }
        const elapsedMs = performance.now() - startedAt;
        figures.push({
          id: 'read.tracktrove-pages',
          workload: `readAllPages ${config.readEvents.toLocaleString('en-US')} events, batch ${config.readBatch}`,
          system: 'TrackTrove',
          reference: false,
          metrics: { 'events/s': perSecond(measured, elapsedMs), 'p50 ms': quantile(pageMs, 0.5), 'p99 ms': quantile(pageMs, 0.99) },
          details: { events: measured, elapsedMs, batches: pageMs.length },
        });
      }

      context.log(`read: raw pg keyset SELECT, batches of ${config.readBatch}`);
      const pool = new pg.Pool({ connectionString: database.url, max: config.poolSize });
      pool.on('error', () => undefined);
      try {
        const raw = await measureRead(async (after) => {
          const { rows } = await pool.query<{ tx_id: string; seq: string }>(
            `select seq, tx_id, stream_id, stream_version, event_id, type, schema_version, data, metadata, recorded_at
               from tt_events where (tx_id, seq) > ($1::xid8, $2::bigint) order by tx_id, seq limit $3`,
            [after?.txId ?? '0', after?.seq ?? '0', config.readBatch],
          );
          const last = rows.at(-1);
          return { count: rows.length, last: last ? { txId: last.tx_id, seq: last.seq } : undefined };
        }, 4 * config.readBatch);
        figures.push(readFigure('read.raw', `${readAllWorkload}, payloads decoded`, 'raw pg SELECT', raw));
      } finally {
        await pool.end();
      }
    } finally {
      await seeded.close();
    }
    return figures;
  });
}

export const benchmark: Benchmark = {
  name: 'event-store',
  description: 'event store appends and reads vs raw pg and Emmett, same server, same run',
  async run(context) {
    const server = await context.postgres();
    const emmett = `Emmett ${await emmettVersion()}`;
    const emmettFactory: SystemFactory = (url, prefix, writers, streams) => emmettSystem(url, prefix, writers, streams, emmett);
    const systems: { key: string; factory: SystemFactory; reference: boolean }[] = [
      { key: 'tracktrove', factory: tracktroveSystem, reference: false },
      { key: 'raw', factory: rawSystem, reference: true },
      { key: 'emmett', factory: emmettFactory, reference: true },
    ];
    const workloads = [
      {
        id: 'append1',
        label: `append 1 event/call, ${config.singleWriters} writers`,
        writers: config.singleWriters,
        count: 1,
        streamsPerWriter: config.streamsPerSingleWriter,
      },
      {
        id: 'append100',
        label: `append ${config.batchSize} events/call, ${config.batchWriters} writers`,
        writers: config.batchWriters,
        count: config.batchSize,
        streamsPerWriter: config.streamsPerBatchWriter,
      },
    ];
    const figures: Figure[] = [];
    for (const workload of workloads) {
      for (const system of systems) {
        const { system: name, result } = await measureAppends(context, server, system.factory, workload);
        figures.push({
          id: `${workload.id}.${system.key}`,
          workload: workload.label,
          system: name,
          reference: system.reference,
          metrics: loadMetrics(result),
          details: { calls: result.calls, events: result.events, elapsedMs: result.elapsedMs },
        });
      }
    }
    figures.push(...(await readBenchmarks(context, server)));

    const rate = (id: string) => figures.find((figure) => figure.id === id)?.metrics['events/s'] ?? Number.NaN;
    const targets = [
      atLeast({
        id: 'append1-vs-emmett',
        description: 'single-event appends >= 1.5x Emmett',
        metric: 'events/s',
        actual: rate('append1.tracktrove'),
        factor: 1.5,
        basisValue: rate('append1.emmett'),
        basisName: emmett,
      }),
      atLeast({
        id: 'append1-vs-raw',
        description: 'single-event appends >= 0.5x raw 1-row INSERT',
        metric: 'events/s',
        actual: rate('append1.tracktrove'),
        factor: 0.5,
        basisValue: rate('append1.raw'),
        basisName: 'raw 1-row INSERT',
      }),
      atLeast({
        id: 'append100-vs-raw',
        description: '100-event appends >= 0.7x raw 100-row INSERT',
        metric: 'events/s',
        actual: rate('append100.tracktrove'),
        factor: 0.7,
        basisValue: rate('append100.raw'),
        basisName: 'raw 100-row INSERT',
      }),
      atLeast({
        id: 'read-absolute',
        description: 'reading the log (readAll) >= 200,000 events/s',
        metric: 'events/s',
        actual: rate('read.tracktrove'),
        factor: 200_000,
      }),
    ];
    return {
      figures,
      targets,
      config: {
        ...config,
        payload: { type: eventType, dataBytes: JSON.stringify(eventData).length, metadataBytes: JSON.stringify(eventMetadata).length },
        streams:
          'each writer appends round-robin to its own streams with an exact expected version; the first append to a stream expects no stream',
      },
      notes: [
        'The benchmark client (Node) and PostgreSQL share the same machine and cores.',
        `Payload: ${JSON.stringify(eventData).length}-byte data, ${JSON.stringify(eventMetadata).length}-byte metadata, the same for every system.`,
      ],
    };
  },
};
