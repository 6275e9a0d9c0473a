import type { Kysely } from 'kysely';
import { initialState, transactionIdOf, transactionStreamId, type TransactionState } from '@tracktrove/domain';
import {
  executeTransactionCommand,
  executeTransactionCommands,
  loadTransaction,
  runIdempotent,
  type CommandBatchResult,
  type IdempotencyRequest,
  type TransactionCommandRequest,
} from '@tracktrove/commands';
import { createGroupCommit, type BatchOutcome } from '@tracktrove/common';
import { isConflict, transactLimits } from '@tracktrove/commands';
import type { ApplicationContext } from './application-context.ts';
import { alongsideOf, effectsOf, mergeEffects, planEffects, type Effects } from './command-effects.ts';
import { roundsOfDistinct } from './rounds-of-distinct.ts';
import type { TransactionResult } from './track-trove-api.ts';
import type { TrackTroveTables } from './tables.ts';

/**
 * Group commit of commands: up to 64 in one statement (well under the store's streams and events
 * per append: an initiate brings its transaction and webhook streams and four events), two
 * batches written at once, 2,000 waiting at most (then 503).
 */
export const commandBatchLimits = { maxBatch: 64, maxInFlight: 2, maxQueued: 2_000 } as const;

/** A transaction command as the workflows ask for it: decided on the state it finds, with its step's context. */
export type TransactionRequest = Pick<
  TransactionCommandRequest,
  'transactionId' | 'command' | 'context' | 'stepOf' | 'expectedVersion' | 'newStream'
>;

export interface CommandBus {
  /**
   * A command: with neither an idempotency key nor If-Match it joins the group commit of commands
   * (several written together while earlier ones are being written); otherwise it runs alone.
   */
  execute(request: TransactionRequest, now: Date, idempotency?: IdempotencyRequest): Promise<TransactionResult>;
  /** A command with its effects (command-effects.ts) in the caller's transaction, or as one statement of its own. */
  executeIn(
    executor: Kysely<TrackTroveTables>,
    request: TransactionRequest,
    now: Date | (() => Date),
  ): Promise<{ result: TransactionResult; effects: Effects }>;
  /**
   * Commands on distinct transactions as one batch: one read (none for new streams), one append with
   * all their effects. nowOf gives each command's sandbox time for its effects.
   */
  executeBatchIn(
    executor: Kysely<TrackTroveTables>,
    requests: readonly TransactionRequest[],
    nowOf: (index: number, transactionId: string) => Date,
    isolateDecisionErrors?: boolean,
  ): Promise<{ batch: CommandBatchResult<TransactionState>; effects: Effects }>;
}

/**
 * Whether the database answered an error of its own (a SQLSTATE), outside the classes of lost
 * connections, exhausted resources and operator intervention: the transaction it ended did not
 * commit. A connection lost mid-commit gives no such answer, and its outcome is unknown.
 */
function refusedByDatabase(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|53|57|58|XX)/.test(code);
}

/** Runs work again from the start when a concurrent writer made it conflict, a bounded number of times. */
export async function withConflictRetries<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!isConflict(error) || attempt >= transactLimits.maxAttempts) throw error;
    }
  }
}

/** The command bus: decides and appends commands with their effects, alone or in group commits; `applyEffects` runs after each commit. */
export function createCommandBus(context: ApplicationContext, applyEffects: (effects: Effects) => Promise<void>): CommandBus {
  const { db, webhookUrl, settings } = context;

  const executeIn: CommandBus['executeIn'] = async (executor, request, now) => {
    const correlationId = request.context.correlationId;
    const result = await executeTransactionCommand(executor, {
      ...request,
      alongside: (before, after) =>
        alongsideOf(
          planEffects(before, after, {
            now: typeof now === 'function' ? now() : now,
            correlationId,
            failures: settings.failures,
            webhookUrl,
          }),
        ),
    });
    return { result, effects: effectsOf(result.alongside) };
  };

  const executeBatchIn: CommandBus['executeBatchIn'] = async (executor, requests, nowOf, isolateDecisionErrors = false) => {
    const batch = await executeTransactionCommands(executor, requests, {
      isolateDecisionErrors,
      alongside: (transitions) =>
        alongsideOf(
          mergeEffects(
            transitions.map(({ index, before, after }) =>
              planEffects(before, after, {
                now: nowOf(index, after.transactionId),
                correlationId: requests[index]!.context.correlationId,
                failures: settings.failures,
                webhookUrl,
              }),
            ),
          ),
        ),
    });
    return { batch, effects: effectsOf(batch.alongside) };
  };

  /**
   * A command on its own: one statement, or with an idempotency key one transaction that also
   * claims the key. Run again from the start when a concurrent writer made it conflict.
   */
  function executeAlone(request: TransactionRequest, now: Date, idempotency?: IdempotencyRequest): Promise<TransactionResult> {
    return withConflictRetries(async () => {
      if (!idempotency) {
        const { result, effects } = await executeIn(db, request, now);
        await applyEffects(effects);
        return result;
      }
      let executed: { result: TransactionResult; effects: Effects } | undefined;
      const { result: stored, replayed } = await runIdempotent(db, idempotency, async (transaction) => {
        executed = await executeIn(transaction, request, now);
        const { result } = executed;
        return {
          version: result.version,
          position: result.position,
          appended: result.appended.map((event) => ({ ...event, recordedAt: event.recordedAt.toISOString() })),
        };
      });
      if (!replayed && executed) {
        await applyEffects(executed.effects);
        return executed.result;
      }
      // A replay answers for the transaction the first request made (initiate may have generated its id).
      const streamId = stored.appended[0]?.streamId ?? transactionStreamId(request.transactionId);
      const transactionId = transactionIdOf(streamId) ?? request.transactionId;
      const state = (await loadTransaction(db, transactionId, stored.version)) ?? initialState();
      return {
        streamId,
        state,
        version: stored.version,
        position: stored.position,
        appended: stored.appended.map((event) => ({ ...event, recordedAt: new Date(event.recordedAt) })),
        replayed,
      };
    });
  }

  /** Each command of a round the database refused (or that kept conflicting) again alone: only the one at fault fails. */
  async function executeEachAlone(
    round: readonly { item: { request: TransactionRequest; now: Date }; index: number }[],
    outcomes: BatchOutcome<TransactionResult>[],
  ) {
    for (const { item, index } of round) {
      try {
        outcomes[index] = { ok: true, value: await executeAlone(item.request, item.now) };
      } catch (alone) {
        outcomes[index] = { ok: false, error: alone };
      }
    }
  }

  /**
   * Commands written together (group-commit.ts): a lone command goes at once by the one-stream
   * statement; a group goes in rounds of distinct transactions, each round one read and one
   * multi-stream append with all its effects. A command whose decision throws is answered alone;
   * a round the database refuses, or that keeps conflicting, is tried again one command at a time,
   * so only the command at fault fails (earlier rounds have committed).
   */
  const submitCommand = createGroupCommit<{ request: TransactionRequest; now: Date }, TransactionResult>(
    commandBatchLimits,
    async (items) => {
      if (items.length === 1) {
        const [{ request, now }] = items as [{ request: TransactionRequest; now: Date }];
        return [{ ok: true, value: await executeAlone(request, now) }];
      }
      const outcomes: BatchOutcome<TransactionResult>[] = [];
      for (const round of roundsOfDistinct(items, (item) => item.request.transactionId)) {
        let executed: Awaited<ReturnType<typeof executeBatchIn>>;
        try {
          executed = await withConflictRetries(() =>
            executeBatchIn(
              db,
              round.map(({ item }) => item.request),
              (index) => round[index]!.item.now,
              true,
            ),
          );
        } catch (error) {
          // The database refused the round, or one of its transactions kept conflicting with writers
          // elsewhere past the retries: either way none of it committed. The command at fault (a
          // value the database cannot store, a transaction too busy) must not fail its neighbours:
          // each goes again alone and answers for itself. (A lost connection is another matter: the
          // round may have committed.)
          if (round.length > 1 && (refusedByDatabase(error) || isConflict(error))) await executeEachAlone(round, outcomes);
          else for (const { index } of round) outcomes[index] = { ok: false, error };
          continue;
        }
        const { batch, effects } = executed;
        round.forEach(({ index }, position) => {
          const error = batch.errors[position];
          outcomes[index] = error === undefined ? { ok: true, value: batch.results[position]! } : { ok: false, error };
        });
        await applyEffects(effects);
      }
      return outcomes;
    },
  );

  return {
    execute(request, now, idempotency) {
      if (!idempotency && request.expectedVersion === undefined) return submitCommand({ request, now });
      return executeAlone(request, now, idempotency);
    },
    executeIn,
    executeBatchIn,
  };
}
