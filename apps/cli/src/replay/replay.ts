import { transactionStreamId } from '@tracktrove/commands';
import { stepDtoKeys } from '@tracktrove/domain';
import { eventStoreLimits, type RecordedEvent } from '@tracktrove/event-store';
import type { ReplayArgs } from './args.ts';
import type { CommandRunner } from '../context.ts';
import { painter, usesColour } from '../io.ts';
import { resolveTarget } from '../server/target.ts';
import { readTransactionEvents } from '../server/transaction-events.ts';
import { openServices } from '../services.ts';
import { formatTimeline } from './format-timeline.ts';
import { timelineOf } from './timeline.ts';

/** The transaction's timeline, from the database itself or through the server that holds it. */
export const replay: CommandRunner<ReplayArgs> = async ({ transactionId, server }, { config, logger, io }) => {
  const target = await resolveTarget(server, config, io.env);
  let events: readonly RecordedEvent[];
  if (target.kind === 'server') {
    events = (await readTransactionEvents(target.api, transactionId)) ?? [];
  } else {
    const services = await openServices(config, logger, 'tracktrove replay');
    try {
      events = await services.store.readStream(transactionStreamId(transactionId), {
        maxCount: eventStoreLimits.maxReadCount,
        omitMetadataKeys: stepDtoKeys,
      });
    } finally {
      await services.close();
    }
  }
  if (events.length === 0) {
    io.stderr.write(`tracktrove replay: no transaction ${transactionId}\n`);
    return 1;
  }
  io.stdout.write(formatTimeline(transactionId, timelineOf(events), painter(usesColour(io.stdout, io.env))));
  return 0;
};
