/**
 * Items in rounds with one item per key each (a batch appends one command per stream), every
 * round in key order so that concurrent batches lock their streams alike; with each item's index.
 */
export function roundsOfDistinct<T>(items: readonly T[], keyOf: (item: T) => string): { item: T; index: number }[][] {
  const rounds: { item: T; index: number }[][] = [];
  const roundOf = new Map<string, number>();
  items.forEach((item, index) => {
    const key = keyOf(item);
    const round = roundOf.get(key) ?? 0;
    roundOf.set(key, round + 1);
    (rounds[round] ??= []).push({ item, index });
  });
  for (const round of rounds) round.sort((a, b) => (keyOf(a.item) < keyOf(b.item) ? -1 : 1));
  return rounds;
}
