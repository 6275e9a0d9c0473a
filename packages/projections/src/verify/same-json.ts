/**
 * Whether two values serialise to the same JSON, object key order aside (jsonb reorders keys): the
 * comparison `JSON.stringify` with sorted keys would make, without building either text. As in
 * JSON, `toJSON` applies (a Date equals its ISO string), non-finite numbers are null, and properties
 * that are undefined, functions or symbols are absent (in arrays, null).
 */
export function sameJson(a: unknown, b: unknown): boolean {
  return equalJson(jsonValue(a) ?? null, jsonValue(b) ?? null);
}

/** What JSON.stringify writes for a value, before looking inside it; undefined when it writes nothing. */
function jsonValue(value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'object':
      if (value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function')
        return jsonValue((value as { toJSON(): unknown }).toJSON());
      return value;
    case 'function':
    case 'symbol':
    case 'undefined':
      return undefined;
    default:
      return value;
  }
}

function equalJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let index = 0; index < a.length; index += 1) {
      if (!equalJson(jsonValue(a[index]) ?? null, jsonValue(b[index]) ?? null)) return false;
    }
    return true;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  let present = 0;
  for (const key of Object.keys(left)) {
    const value = jsonValue(left[key]);
    if (value === undefined) continue;
    present += 1;
    if (!Object.hasOwn(right, key) || !equalJson(value, jsonValue(right[key]))) return false;
  }
  // Every present key of the left is present on the right; equal counts leave no extra key there.
  let presentRight = 0;
  for (const key of Object.keys(right)) if (jsonValue(right[key]) !== undefined) presentRight += 1;
  return present === presentRight;
}
