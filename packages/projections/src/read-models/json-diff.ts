import type { JsonValue } from '@tracktrove/domain';

/** One RFC 6902 operation; a diff only ever needs add, remove and replace. */
export type JsonPatchOperation =
  | { op: 'add'; path: string; value: JsonValue }
  | { op: 'remove'; path: string }
  | { op: 'replace'; path: string; value: JsonValue };

type JsonObject = { [key: string]: JsonValue };

function isObject(value: JsonValue): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 6901: "~" is written "~0" and "/" is written "~1". */
function pointer(parent: string, key: string | number): string {
  return `${parent}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/**
 * The RFC 6902 patch that turns `before` into `after`: objects are compared key by key, arrays
 * index by index (extra items removed from the end first), anything else is replaced. Applying
 * the operations in order to `before` gives `after`. Pure and deterministic, so a rebuild or a
 * verification computes the same patch.
 */
export function diffJson(before: JsonValue, after: JsonValue): JsonPatchOperation[] {
  const operations: JsonPatchOperation[] = [];
  walk(before, after, '', operations);
  return operations;
}

function walk(before: JsonValue, after: JsonValue, path: string, operations: JsonPatchOperation[]): void {
  if (before === after) return;
  if (isObject(before) && isObject(after)) {
    for (const key of Object.keys(before)) {
      if (!Object.hasOwn(after, key)) operations.push({ op: 'remove', path: pointer(path, key) });
    }
    for (const [key, value] of Object.entries(after)) {
      if (Object.hasOwn(before, key)) walk(before[key]!, value, pointer(path, key), operations);
      else operations.push({ op: 'add', path: pointer(path, key), value });
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const common = Math.min(before.length, after.length);
    for (let index = 0; index < common; index += 1) walk(before[index]!, after[index]!, pointer(path, index), operations);
    for (let index = before.length - 1; index >= after.length; index -= 1) operations.push({ op: 'remove', path: pointer(path, index) });
    for (let index = before.length; index < after.length; index += 1)
      operations.push({ op: 'add', path: pointer(path, index), value: after[index]! });
    return;
  }
  operations.push({ op: 'replace', path, value: after });
}
