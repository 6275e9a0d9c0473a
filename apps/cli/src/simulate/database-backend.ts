import type { Config } from '@tracktrove/config';
import { loadTransactions, transactionStreamId, upcastTransactionEvent } from '@tracktrove/commands';
import { stepDtoKeys } from '@tracktrove/domain';
import { readStreams, type RecordedEvent } from '@tracktrove/event-store';
import type { Logger } from 'pino';
import { openServices } from '../services.ts';
import type { SimulationBackend } from './backend.ts';

const actor = { role: 'operator', id: 'cli-simulate' } as const;
/** Streams read per query: with up to ~40 events a transaction, well under the store's 10,000 per read. */
const chunkStreams = 100;

/** The simulation on the database itself, with timers of this process. */
export async function openDatabaseBackend(config: Config, logger: Logger): Promise<SimulationBackend> {
  const services = await openServices(config, logger, 'tracktrove simulate');
  try {
    // No T+1 settlement run from here: whether one ran would depend on the wall-clock date the
    // simulation crossed, and the same seed must give the same outcomes. The server settles them.
    const trackTrove = await services.trackTrove({ dailySettlement: false });
    return {
      failures: () => trackTrove.failures.get(),
      async initiate(input, correlationId) {
        return (await trackTrove.initiate(input, actor, { correlationId })).state.transactionId;
      },
      async refund(transactionId, reason, correlationId) {
        await trackTrove.refund(transactionId, reason, actor, { correlationId });
      },
      now: async () => (await trackTrove.clock.now()).getTime(),
      async advance(ms, correlationId) {
        const advanced = await trackTrove.clock.advance({ ms }, actor, correlationId);
        return { advancedMs: Date.parse(advanced.now) - Date.parse(advanced.from), firedTimers: advanced.firedTimers };
      },
      states: (transactionIds) => loadTransactions(services.database.db, transactionIds),
      async events(transactionIds) {
        const events = new Map<string, readonly RecordedEvent[]>();
        for (let index = 0; index < transactionIds.length; index += chunkStreams) {
          const chunk = transactionIds.slice(index, index + chunkStreams);
          const streams = await readStreams(services.database.db, chunk.map(transactionStreamId), upcastTransactionEvent, {
            omitMetadataKeys: stepDtoKeys,
          });
          for (const id of chunk) events.set(id, streams.get(transactionStreamId(id)) ?? []);
        }
        return events;
      },
      close: () => services.close(),
    };
  } catch (error) {
    await services.close().catch(() => undefined);
    throw error;
  }
}
