import { noMorePositionals, UsageError } from '../command-line.ts';
import type { CliCommand } from '../context.ts';
import type { ProjectionsArgs } from '../projections/args.ts';
import { dataDirOptions } from '../data-dir.ts';
import { serverOptions, serverOptionsOf } from '../server/target.ts';

const actions = 'status, rebuild <name|all> or verify';

export const projectionsCommand: CliCommand<ProjectionsArgs> = {
  name: 'projections',
  usage: ['projections status', 'projections rebuild <name|all>', 'projections verify'],
  summary: 'read models: position, lag and state; rebuild from the log; verify against the log',
  details: [
    'status   each read model (transactions, traces, ledger): generation, state, the log position it',
    '         has applied and how many events it lags behind the head, as stored in the database.',
    'rebuild  builds a fresh generation of one read model (or all) from the whole log while the current',
    '         one keeps serving, then swaps; a progress bar on stderr, a summary on stdout.',
    'verify   catches the read models up to the head, folds the log afresh and compares every row;',
    '         prints the differences and exits with 1 when there are any.',
    '',
    'When a server holds the embedded data directory (or with --url / TRACKTROVE_URL), each runs through',
    "that server's admin API (its read models, its projectors), with its admin token.",
  ].join('\n'),
  options: { ...serverOptions, ...dataDirOptions },
  parse(parsed) {
    const [action, name] = parsed.positionals;
    if (action === undefined) throw new UsageError(`missing action: ${actions}`, 'projections');
    if (action === 'status' || action === 'verify') {
      noMorePositionals(parsed, `projections ${action}`, 1);
      return { action, server: serverOptionsOf(parsed, `projections ${action}`) };
    }
    if (action === 'rebuild') {
      if (name === undefined) throw new UsageError('missing <name|all>: the read model to rebuild, or all', 'projections rebuild');
      noMorePositionals(parsed, 'projections rebuild', 2);
      return { action, name, server: serverOptionsOf(parsed, 'projections rebuild') };
    }
    throw new UsageError(`unknown action '${action}': ${actions}`, 'projections');
  },
  load: async () => (await import('../projections/projections.ts')).projections,
};
