import { transactionStreamId } from '@tracktrove/commands';
import { stepDtoKeys } from '@tracktrove/domain';
import { eventStoreLimits } from '@tracktrove/event-store';
import type { ReplayArgs } from '../commands/replay.ts';
import type { CommandRunner } from '../context.ts';
import { painter, usesColour } from '../io.ts';
import { openServices } from '../services.ts';
import { formatTimeline } from './format-timeline.ts';
import { timelineOf } from './timeline.ts';

export const replay: CommandRunner<ReplayArgs> = async ({ transactionId }, { config, logger, io }) => {
  const services = await openServices(config, logger);
  try {
    const events = await services.store.readStream(transactionStreamId(transactionId), { maxCount: eventStoreLimits.maxReadCount, omitMetadataKeys: stepDtoKeys });
    if (events.length === 0) {
      io.stderr.write(`tracktrove replay: no transaction ${transactionId}\n`);
      return 1;
    }
    io.stdout.write(formatTimeline(transactionId, timelineOf(events), painter(usesColour(io.stdout, io.env))));
    return 0;
  } finally {
    await services.close();
  }
};
