import { randomBytes } from 'node:crypto';
import { eventSchemaVersions } from '@tracktrove/domain';
import type { ListenArgs } from './args.ts';
import type { CommandRunner } from '../context.ts';
import { describeError } from '../describe-error.ts';
import { resolveTarget } from '../server/target.ts';
import { SetupError } from '../setup-error.ts';
import { followStream } from './event-stream.ts';
import { createForwarder } from './forwarder.ts';
import { createResumePosition } from './resume-position.ts';
import { createTransactionHistories } from './transaction-histories.ts';

/** Events received and not yet handled before the stream is paused (it goes on at half). */
export const maxOpenEvents = 10_000;

/**
 * `tracktrove listen --forward-to URL`: follows the server's stream and forwards each selected
 * transaction event as a signed webhook, until Ctrl-C (or the CLI's stop signal); then prints where
 * to resume from.
 */
export const listen: CommandRunner<ListenArgs> = async (args, { config, io }) => {
  const target = await resolveTarget(args.server, config, io.env);
  if (target.kind !== 'server') {
    throw new SetupError('listen follows a running server: start one (tracktrove start), or name it with --url or TRACKTROVE_URL');
  }
  const token = args.server.token ?? config.tokens.admin ?? target.holder?.adminToken ?? undefined;
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  const stopping = new AbortController();
  const stop = () => stopping.abort();
  if (io.stop) io.stop.addEventListener('abort', stop, { once: true });
  else {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  const out = (line: string) => io.stdout.write(`${line}\n`);
  out(`secret ${secret}  (verify TrackTrove-Signature with it)`);
  out(
    `forwarding ${args.events.length === 0 ? 'every transaction event' : args.events.join(', ')} from ${target.api.url} to ${args.forwardTo}; Ctrl-C to stop`,
  );

  const histories = createTransactionHistories(target.api);
  const forwarder = createForwarder({
    forwardTo: args.forwardTo,
    events: args.events,
    failures: args.failures,
    seed: args.seed,
    maxAttempts: args.maxAttempts,
    secret,
    signal: stopping.signal,
    print: out,
  });
  const resume = createResumePosition(args.from);
  const deliveries = new Set<Promise<void>>();
  let failure: string | null = null;
  let inOrder = Promise.resolve();

  const follower = followStream({
    baseUrl: target.api.url,
    token,
    from: args.from,
    // Every transaction event, selected or not: each one is folded into its transaction's state.
    types: Object.keys(eventSchemaVersions),
    signal: stopping.signal,
    onCaughtUp: (position) => resume.reached(position),
    onReconnect: (reason, from) => io.stderr.write(`tracktrove listen: ${reason}; following again from ${from}\n`),
    onEvent(event) {
      const handled = resume.add(event.position);
      if (resume.pending > maxOpenEvents) follower.pause();
      const settle = () => {
        handled();
        if (resume.pending < maxOpenEvents / 2) follower.resume();
      };
      inOrder = inOrder.then(async () => {
        if (stopping.signal.aborted) return;
        try {
          const history = await histories.historyOf(event);
          if (history === null) return settle();
          const delivery = forwarder.forward(event, history).then((ended) => {
            if (ended) settle();
            deliveries.delete(delivery);
          });
          deliveries.add(delivery);
        } catch (error) {
          failure ??= `event ${event.position}: ${describeError(error)}`;
          stop();
        }
      });
    },
  });

  const { error } = await follower.ended;
  failure ??= error;
  stop();
  await inOrder;
  await Promise.all(deliveries);
  if (io.stop) io.stop.removeEventListener('abort', stop);
  else {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  if (failure) io.stderr.write(`tracktrove listen: ${failure}\n`);
  out(`stopped; resume with: tracktrove listen --from ${resume.position}`);
  return failure ? 1 : 0;
};
