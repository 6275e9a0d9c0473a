import { noMorePositionals, UsageError } from '../command-line.ts';
import type { CliCommand } from '../context.ts';
import type { ReplayArgs } from '../replay/args.ts';
import { dataDirOptions } from '../data-dir.ts';
import { serverOptions, serverOptionsOf } from '../server/target.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const replayCommand: CliCommand<ReplayArgs> = {
  name: 'replay',
  usage: ['replay <transactionId>'],
  summary: "print a transaction's timeline",
  details: [
    'One entry per event, in order: version, sandbox time and time since initiation, event, status',
    'before -> after, the money it moved; then its step, service, actor, attempt and duration, and any',
    'error. Colours only on a terminal without NO_COLOR. Exit code 1 when there is no such transaction.',
    'Through the server that holds the embedded data directory, or the one --url names, when there is one.',
  ].join('\n'),
  options: { ...serverOptions, ...dataDirOptions },
  parse(parsed) {
    const [transactionId] = parsed.positionals;
    if (transactionId === undefined) throw new UsageError('missing <transactionId>', 'replay');
    if (!uuidPattern.test(transactionId))
      throw new UsageError(`'${transactionId}' is not a transaction id (a UUID such as 0b8e6f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b)`, 'replay');
    noMorePositionals(parsed, 'replay', 1);
    return { transactionId, server: serverOptionsOf(parsed, 'replay') };
  },
  load: async () => (await import('../replay/replay.ts')).replay,
};
