/**
 * Text PostgreSQL cannot store in text or jsonb: NUL, and UTF-16 surrogates without their pair.
 * Both arrive as JSON escapes ("\u0000", "\ud800") or percent-encoded in a query string.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is the character this looks for
const unstorable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface RefusedContent {
  /** Where, as "payload.note" or "query.streamId"; "" for the root itself. */
  readonly path: string;
  readonly message: string;
}

const unstorableMessage = 'contains a NUL character or an unpaired surrogate';
const forbiddenKeyMessage = 'is a key the API does not accept (__proto__, constructor.prototype)';

/** A value still to look at, with the key it sits under and its parent: its path is built only when it is refused. */
interface Pending {
  readonly value: unknown;
  readonly key: string | undefined;
  readonly parent: Pending | undefined;
}

/** "payload.note.0" for an entry: the keys from the root down, joined. Only ever called once, for a refusal. */
function pathOf(entry: Pending, key: string): string {
  const keys = [key];
  for (let at: Pending | undefined = entry; at; at = at.parent) if (at.key !== undefined) keys.push(at.key);
  return keys.reverse().join('.');
}

/**
 * The first thing in a parsed JSON value (or a query) that the API refuses: text PostgreSQL could
 * not store, in a key or a value, or a key that code merging objects could mistake for the
 * prototype. Undefined when there is none. Walks without recursion, and in time linear in the
 * value however deep it nests: each entry points at its parent, and a path is only built for
 * what is refused (a hostile body nests tens of thousands deep).
 */
export function refusedContent(value: unknown, root: string | undefined): RefusedContent | undefined {
  const pending: Pending[] = [{ value, key: root, parent: undefined }];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (typeof next.value === 'string') {
      if (unstorable.test(next.value))
        return { path: next.parent ? pathOf(next.parent, next.key!) : (next.key ?? ''), message: unstorableMessage };
      continue;
    }
    if (next.value === null || typeof next.value !== 'object') continue;
    for (const key of Object.keys(next.value)) {
      const child = (next.value as Record<string, unknown>)[key];
      if (unstorable.test(key)) return { path: pathOf(next, key), message: unstorableMessage };
      if (
        key === '__proto__' ||
        (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype'))
      ) {
        return { path: pathOf(next, key), message: forbiddenKeyMessage };
      }
      pending.push({ value: child, key, parent: next });
    }
  }
  return undefined;
}
