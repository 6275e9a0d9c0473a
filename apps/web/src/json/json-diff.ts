import type { JsonValue } from '../api/types.ts';
import type { JsonPatchOperation } from './json-patch.ts';
import { childPointer, pointerTokens } from './json-pointer.ts';

export type ChangeKind = 'added' | 'removed' | 'replaced';

/** Which pointers to highlight on each side of a before/after view. */
export interface ChangeMarks {
  before: Map<string, ChangeKind>;
  after: Map<string, ChangeKind>;
}

export function marksFromPatch(patch: readonly JsonPatchOperation[], after: JsonValue): ChangeMarks {
  const marks: ChangeMarks = { before: new Map(), after: new Map() };
  for (const operation of patch) {
    const path = resolveAppendPointer(operation.path, after);
    switch (operation.op) {
      case 'add':
      case 'copy':
        marks.after.set(path, 'added');
        break;
      case 'remove':
        marks.before.set(path, 'removed');
        break;
      case 'replace':
        marks.before.set(path, 'replaced');
        marks.after.set(path, 'replaced');
        break;
      case 'move':
        if (operation.from !== undefined) marks.before.set(operation.from, 'removed');
        marks.after.set(path, 'added');
        break;
      case 'test':
        break;
    }
  }
  return marks;
}

/** A minimal RFC 6902 patch from `before` to `after` (add, remove, replace only). */
export function computePatch(before: JsonValue, after: JsonValue, pointer = ''): JsonPatchOperation[] {
  if (deepEqual(before, after)) return [];
  if (isRecord(before) && isRecord(after)) {
    const operations: JsonPatchOperation[] = [];
    for (const key of Object.keys(before)) {
      if (!(key in after)) operations.push({ op: 'remove', path: childPointer(pointer, key) });
    }
    for (const [key, value] of Object.entries(after)) {
      const path = childPointer(pointer, key);
      if (!(key in before)) operations.push({ op: 'add', path, value });
      else operations.push(...computePatch(before[key]!, value, path));
    }
    return operations;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const operations: JsonPatchOperation[] = [];
    const shared = Math.min(before.length, after.length);
    for (let index = 0; index < shared; index += 1) {
      operations.push(...computePatch(before[index]!, after[index]!, childPointer(pointer, index)));
    }
    for (let index = shared; index < after.length; index += 1) {
      operations.push({ op: 'add', path: childPointer(pointer, index), value: after[index]! });
    }
    for (let index = before.length - 1; index >= shared; index -= 1) {
      operations.push({ op: 'remove', path: childPointer(pointer, index) });
    }
    return operations;
  }
  return [{ op: 'replace', path: pointer, value: after }];
}

export function deepEqual(left: JsonValue | undefined, right: JsonValue | undefined): boolean {
  if (left === right) return true;
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((item, index) => deepEqual(item, right[index]));
  }
  if (isRecord(left) && isRecord(right)) {
    const keys = Object.keys(left);
    return keys.length === Object.keys(right).length && keys.every((key) => key in right && deepEqual(left[key], right[key]));
  }
  return false;
}

export function isRecord(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "/items/-" means "append": point at the last item of that array in `after`. */
function resolveAppendPointer(path: string, after: JsonValue): string {
  if (!path.endsWith('/-')) return path;
  const parentPointer = path.slice(0, -2);
  let node: JsonValue | undefined = after;
  for (const token of pointerTokens(parentPointer)) {
    node = Array.isArray(node) ? node[Number(token)] : isRecord(node) ? node[token] : undefined;
  }
  return Array.isArray(node) ? childPointer(parentPointer, node.length - 1) : path;
}
