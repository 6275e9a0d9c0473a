/**
 * Text PostgreSQL cannot store in text or jsonb: NUL, and UTF-16 surrogates without their pair.
 * Both arrive as JSON escapes ("\u0000", "\ud800") or percent-encoded in a query string.
 */
const unstorable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface RefusedContent {
  /** Where, as "payload.note" or "query.streamId"; "" for the root itself. */
  readonly path: string;
  readonly message: string;
}

const unstorableMessage = 'contains a NUL character or an unpaired surrogate';
const forbiddenKeyMessage = 'is a key the API does not accept (__proto__, constructor.prototype)';

/**
 * The first thing in a parsed JSON value (or a query) that the API refuses: text PostgreSQL could
 * not store, in a key or a value, or a key that code merging objects could mistake for the
 * prototype. Undefined when there is none. Walks without recursion: bodies nest deep.
 */
export function refusedContent(value: unknown, root: string | undefined): RefusedContent | undefined {
  const pending: Array<{ value: unknown; path: readonly string[] }> = [{ value, path: root === undefined ? [] : [root] }];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (typeof next.value === 'string') {
      if (unstorable.test(next.value)) return { path: next.path.join('.'), message: unstorableMessage };
      continue;
    }
    if (next.value === null || typeof next.value !== 'object') continue;
    for (const key of Object.keys(next.value)) {
      const child = (next.value as Record<string, unknown>)[key];
      const path = [...next.path, key];
      if (unstorable.test(key)) return { path: path.join('.'), message: unstorableMessage };
      if (key === '__proto__' || (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype'))) {
        return { path: path.join('.'), message: forbiddenKeyMessage };
      }
      pending.push({ value: child, path });
    }
  }
  return undefined;
}
