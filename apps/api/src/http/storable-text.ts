/**
 * Text PostgreSQL cannot store in text or jsonb: NUL, and UTF-16 surrogates without their pair.
 * Both arrive as JSON escapes ("\u0000", "\ud800") or percent-encoded in a query string.
 */
const unstorable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The path of the first string, key or value, that PostgreSQL could not store ("payload.note",
 * "query.streamId"), or undefined when there is none. Walks without recursion: bodies nest deep.
 */
export function unstorableTextPath(value: unknown, root: string | undefined): string | undefined {
  const pending: Array<{ value: unknown; path: readonly string[] }> = [{ value, path: root === undefined ? [] : [root] }];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (typeof next.value === 'string') {
      if (unstorable.test(next.value)) return next.path.join('.');
      continue;
    }
    if (next.value === null || typeof next.value !== 'object') continue;
    for (const [key, child] of Object.entries(next.value)) {
      const path = [...next.path, key];
      if (unstorable.test(key)) return path.join('.');
      pending.push({ value: child, path });
    }
  }
  return undefined;
}
