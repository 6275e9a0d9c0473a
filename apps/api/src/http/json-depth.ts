/**
 * How deep a JSON body may nest: the deepest the API takes is a payload of 64 levels inside the
 * initiate body; every other body is shallow. Twice that leaves room without letting a body of
 * tens of thousands of levels reach the parser, the validators or the hash of a request.
 */
export const maxJsonBodyDepth = 128;

export interface TooDeep {
  /** The body's top-level key under which it nests too deep, "" when the root itself does (an array). */
  readonly path: string;
  readonly message: string;
}

const quote = 0x22;
const backslash = 0x5c;
const openBracket = 0x5b;
const openBrace = 0x7b;
const closeBracket = 0x5d;
const closeBrace = 0x7d;

/** The text of a JSON string literal from `start` (its opening quote) to `end` (its closing one), decoded; undefined when it is not valid. */
function decodeKey(text: string, start: number, end: number): string | undefined {
  try {
    const key: unknown = JSON.parse(text.slice(start, end + 1));
    return typeof key === 'string' ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Scans JSON text once, before it is parsed, and answers where it nests deeper than `maxDepth`
 * levels of arrays and objects, or undefined. Linear in the text, no recursion, no allocation per
 * level. It does not check that the text is JSON: the parser does that next, on text known to be
 * shallow enough.
 */
export function tooDeepJson(text: string, maxDepth: number = maxJsonBodyDepth): TooDeep | undefined {
  let depth = 0;
  let inString = false;
  let stringStart = 0;
  // The last string that ended at depth 1: in an object, the key of the value being read.
  let topKeyStart = -1;
  let topKeyEnd = -1;
  let rootIsObject = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === backslash) index += 1;
      else if (code === quote) {
        inString = false;
        if (depth === 1) {
          topKeyStart = stringStart;
          topKeyEnd = index;
        }
      }
      continue;
    }
    if (code === quote) {
      inString = true;
      stringStart = index;
    } else if (code === openBrace || code === openBracket) {
      if (depth === 0) rootIsObject = code === openBrace;
      depth += 1;
      if (depth > maxDepth) {
        const key = rootIsObject && topKeyStart >= 0 ? decodeKey(text, topKeyStart, topKeyEnd) : undefined;
        return { path: key ?? '', message: `nests deeper than ${maxDepth} levels` };
      }
    } else if (code === closeBrace || code === closeBracket) {
      depth -= 1;
    }
  }
  return undefined;
}
