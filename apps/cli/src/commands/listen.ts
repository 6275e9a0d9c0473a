import { isPosition } from '@tracktrove/event-store';
import { endpointEventTypes, type EndpointEventType } from '@tracktrove/webhooks';
import { noMorePositionals, rateOption, UsageError, wholeNumberOption, type ParsedCommandLine } from '../command-line.ts';
import type { CliCommand } from '../context.ts';
import type { ListenArgs } from '../listen/args.ts';
import { serverOptions, serverOptionsOf } from '../server/target.ts';

export const listenLimits = {
  maxSeed: 2 ** 31 - 1,
  maxDelayMs: 86_400_000,
  maxAttempts: 20,
  defaultAttempts: 8,
} as const;

export const listenCommand: CliCommand<ListenArgs> = {
  name: 'listen',
  usage: ['listen --forward-to <url> [--events TYPES] [--from POSITION] [fault injection...]'],
  summary: "forward the server's transaction events to your service as signed webhooks",
  details: [
    "Follows the server's event stream (GET /api/stream over a WebSocket: no inbound port is needed)",
    'from now, or after --from POSITION, and forwards each transaction event of the --events types',
    '(comma-separated, default all) to --forward-to as a POST with the body and headers of an endpoint',
    'delivery (docs/webhooks.md): TrackTrove-Signature with the whsec_ secret printed at start,',
    'traceparent, TrackTrove-Delivery-Id, TrackTrove-Event-Id.',
    '',
    'Faults are decided per delivery from --seed, so the same seed and events give the same faults:',
    'dropped (never sent), duplicated (sent twice, same event id), delayed by --delay-ms, reordered',
    '(a further random delay), slow (the body sent after a pause). A non-2xx answer, a timeout (10 s)',
    'or a connection error is retried with exponential backoff and jitter (1 s, 2 s, 4 s ...), up to',
    '--max-attempts. One line per attempt on stdout: event, status, latency, attempt.',
    '',
    'Ctrl-C stops it and prints the position to resume from: every event up to it was handled (delivered,',
    'failed, dropped); deliveries still waiting are sent again by `--from POSITION`.',
    'Events: transaction.initiated, escrow_held, completed, failed, retry_scheduled, permanently_failed,',
    'refunded, refund_failed, settled, dispute_opened, dispute_resolved, overridden (with or without the',
    '`transaction.` prefix).',
  ].join('\n'),
  options: {
    'forward-to': { value: 'URL', description: 'your service: the http(s) URL the webhooks are posted to (required)' },
    events: { value: 'TYPES', description: 'comma-separated event types to forward (default all)' },
    from: { value: 'POSITION', description: 'start after this log position (as printed when it stopped), or start; default: from now' },
    'drop-rate': { value: 'R', description: 'chance that a delivery is dropped, 0 to 1 (default 0)' },
    'duplicate-rate': { value: 'R', description: 'chance that a delivery is sent twice, 0 to 1 (default 0)' },
    'delay-ms': { value: 'N', description: `delay before each delivery, 0 to ${listenLimits.maxDelayMs} ms (default 0)` },
    reorder: { description: 'add a random delay to each delivery, so they may arrive out of order' },
    'slow-rate': { value: 'R', description: 'chance that a delivery sends its body slowly, 0 to 1 (default 0)' },
    seed: { value: 'S', description: `seed of the faults and the retry jitter, 0 to ${listenLimits.maxSeed} (default 42)` },
    'max-attempts': {
      value: 'N',
      description: `attempts of a delivery before it fails, 1 to ${listenLimits.maxAttempts} (default ${listenLimits.defaultAttempts})`,
    },
    ...serverOptions,
  },
  parse(parsed: ParsedCommandLine): ListenArgs {
    const command = 'listen';
    noMorePositionals(parsed, command, 0);
    const forwardTo = parsed.options.get('forward-to');
    if (typeof forwardTo !== 'string') throw new UsageError('missing --forward-to URL: where your service listens', command);
    if (!isHttpUrl(forwardTo))
      throw new UsageError(`--forward-to must be an http(s) URL such as http://localhost:3000/webhooks, got '${forwardTo}'`, command);
    const from = parsed.options.get('from');
    if (typeof from === 'string' && from !== 'end' && from !== 'start' && !isPosition(from))
      throw new UsageError(
        `--from must be a position the server printed (such as 0000000000000754-0000000000000003), got '${from}'`,
        command,
      );
    return {
      forwardTo,
      events: eventTypesOf(parsed.options.get('events'), command),
      from: typeof from === 'string' ? from : 'end',
      failures: {
        dropRate: rateOption(parsed, command, 'drop-rate', 0),
        duplicateRate: rateOption(parsed, command, 'duplicate-rate', 0),
        delayMs: wholeNumberOption(parsed, command, 'delay-ms', 0, 0, listenLimits.maxDelayMs),
        reorder: parsed.options.get('reorder') === true,
        slowRate: rateOption(parsed, command, 'slow-rate', 0),
      },
      seed: wholeNumberOption(parsed, command, 'seed', 42, 0, listenLimits.maxSeed),
      maxAttempts: wholeNumberOption(parsed, command, 'max-attempts', listenLimits.defaultAttempts, 1, listenLimits.maxAttempts),
      server: serverOptionsOf(parsed, command),
    };
  },
  load: async () => (await import('../listen/listen.ts')).listen,
};

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** `--events completed,transaction.refunded`: each a known type, with or without its prefix. */
function eventTypesOf(raw: string | true | undefined, command: string): EndpointEventType[] {
  if (raw === undefined) return [];
  const names = String(raw)
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const types = names.map((name) => {
    const type = name.startsWith('transaction.') ? name : `transaction.${name}`;
    if (!(endpointEventTypes as readonly string[]).includes(type))
      throw new UsageError(`--events: unknown event type '${name}' (types: ${endpointEventTypes.join(', ')})`, command);
    return type as EndpointEventType;
  });
  if (types.length === 0) throw new UsageError('--events needs at least one event type', command);
  return [...new Set(types)];
}
