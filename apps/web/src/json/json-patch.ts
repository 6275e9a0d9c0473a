import type { JsonValue } from '@tracktrove/domain';

/** One RFC 6902 operation. The server's diffs use add, remove and replace; the viewer reads any. */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: JsonValue;
}
