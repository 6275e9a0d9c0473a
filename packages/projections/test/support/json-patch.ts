/** Applies an RFC 6902 patch of add/remove/replace operations (enough to check diffJson). */
export function applyPatch(document: unknown, operations: readonly { op: string; path: string; value?: unknown }[]): unknown {
  let root = structuredClone(document);
  for (const operation of operations) {
    if (operation.path === '') {
      root = structuredClone(operation.value);
      continue;
    }
    const keys = operation.path
      .slice(1)
      .split('/')
      .map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop()!;
    let parent = root as Record<string, unknown>;
    for (const key of keys) parent = (Object.hasOwn(parent, key) ? parent[key] : undefined) as Record<string, unknown>;
    if (Array.isArray(parent)) {
      const index = Number(last);
      if (operation.op === 'remove') parent.splice(index, 1);
      else if (operation.op === 'add') parent.splice(index, 0, structuredClone(operation.value));
      else parent[index] = structuredClone(operation.value);
    } else if (operation.op === 'remove') {
      delete parent[last];
    } else {
      // A plain assignment to "__proto__" would set the prototype; a JSON key is an own property.
      Object.defineProperty(parent, last, {
        value: structuredClone(operation.value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return root;
}
