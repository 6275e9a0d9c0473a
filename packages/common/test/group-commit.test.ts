import { describe, expect, it } from 'vitest';
import { createGroupCommit, GroupCommitFullError, type BatchOutcome } from '../src/group-commit.ts';

/** A write whose batches finish when the test says so. */
function controlledWrite() {
  const batches: { items: number[]; finish: (outcomes?: BatchOutcome<string>[] | Error) => void }[] = [];
  const write = (items: readonly number[]) =>
    new Promise<readonly BatchOutcome<string>[]>((resolve, reject) => {
      batches.push({
        items: [...items],
        finish: (outcomes) => {
          if (outcomes instanceof Error) reject(outcomes);
          else resolve(outcomes ?? items.map((item) => ({ ok: true, value: `done ${item}` })));
        },
      });
    });
  return { batches, write };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('group commit', () => {
  it('writes a lone item at once, and what arrives meanwhile as the next batches, in order, within the limits', async () => {
    const { batches, write } = controlledWrite();
    const submit = createGroupCommit({ maxBatch: 3, maxInFlight: 1, maxQueued: 100 }, write);
    const first = submit(0);
    expect(batches.map((batch) => batch.items)).toEqual([[0]]);
    const rest = [1, 2, 3, 4, 5].map((item) => submit(item));
    expect(batches).toHaveLength(1);
    batches[0]!.finish();
    await expect(first).resolves.toBe('done 0');
    await settle();
    expect(batches.map((batch) => batch.items)).toEqual([[0], [1, 2, 3]]);
    batches[1]!.finish();
    await settle();
    expect(batches.map((batch) => batch.items)).toEqual([[0], [1, 2, 3], [4, 5]]);
    batches[2]!.finish();
    await expect(Promise.all(rest)).resolves.toEqual(['done 1', 'done 2', 'done 3', 'done 4', 'done 5']);
  });

  it('runs up to maxInFlight batches at once', async () => {
    const { batches, write } = controlledWrite();
    const submit = createGroupCommit({ maxBatch: 10, maxInFlight: 2, maxQueued: 100 }, write);
    const all = [0, 1, 2, 3].map((item) => submit(item));
    expect(batches.map((batch) => batch.items)).toEqual([[0], [1]]);
    batches[1]!.finish();
    await settle();
    expect(batches.map((batch) => batch.items)).toEqual([[0], [1], [2, 3]]);
    batches[0]!.finish();
    batches[2]!.finish();
    await expect(Promise.all(all)).resolves.toEqual(['done 0', 'done 1', 'done 2', 'done 3']);
  });

  it('rejects only the items whose outcome failed, every item of a failed batch, and past maxQueued at once', async () => {
    const { batches, write } = controlledWrite();
    const submit = createGroupCommit({ maxBatch: 10, maxInFlight: 1, maxQueued: 2 }, write);
    const lone = submit(0);
    const [a, b] = [submit(1), submit(2)];
    await expect(submit(3)).rejects.toBeInstanceOf(GroupCommitFullError);
    batches[0]!.finish(new Error('connection lost'));
    await expect(lone).rejects.toThrow('connection lost');
    await settle();
    batches[1]!.finish([
      { ok: true, value: 'one' },
      { ok: false, error: new Error('invalid two') },
    ]);
    await expect(a).resolves.toBe('one');
    await expect(b).rejects.toThrow('invalid two');
  });

  it('fails a batch whose write answers the wrong number of outcomes', async () => {
    const submit = createGroupCommit({ maxBatch: 10, maxInFlight: 1, maxQueued: 10 }, async () => []);
    await expect(submit(1)).rejects.toThrow(/answered 0 outcomes/);
  });
});
