/**
 * A seeded PRNG: the parts (simulation seed, attempt, purpose; never the transaction's
 * random id) are hashed into a 32-bit state for mulberry32. The same parts always give the same
 * sequence, so a simulation with the same seed decides the same outcomes. Numbers are in [0, 1).
 */
export function seededRandom(...parts: readonly (string | number)[]): () => number {
  let state = hashParts(parts);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a over the parts, separated so that ("ab", "c") and ("a", "bc") differ. */
function hashParts(parts: readonly (string | number)[]): number {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    const text = `${typeof part}:${String(part)}\u0000`;
    for (let index = 0; index < text.length; index += 1) {
      hash ^= text.charCodeAt(index);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
  }
  return hash >>> 0;
}
