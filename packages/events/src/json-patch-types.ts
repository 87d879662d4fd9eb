import { z } from 'zod';
import { type JsonValue, JsonValueSchema } from './json.ts';

/** One RFC 6902 operation. Paths are RFC 6901 JSON Pointers into a session's JSON projection. */
export type JsonPatchOp =
  | { readonly op: 'add'; readonly path: string; readonly value: JsonValue }
  | { readonly op: 'remove'; readonly path: string }
  | { readonly op: 'replace'; readonly path: string; readonly value: JsonValue }
  | { readonly op: 'move'; readonly from: string; readonly path: string }
  | { readonly op: 'copy'; readonly from: string; readonly path: string }
  | { readonly op: 'test'; readonly path: string; readonly value: JsonValue };

const pointer = z.string().regex(/^(\/([^~]|~[01])*)*$/, 'a JSON Pointer');

export const JsonPatchOpSchema: z.ZodType<JsonPatchOp> = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add'), path: pointer, value: JsonValueSchema }),
  z.object({ op: z.literal('remove'), path: pointer }),
  z.object({ op: z.literal('replace'), path: pointer, value: JsonValueSchema }),
  z.object({ op: z.literal('move'), from: pointer, path: pointer }),
  z.object({ op: z.literal('copy'), from: pointer, path: pointer }),
  z.object({ op: z.literal('test'), path: pointer, value: JsonValueSchema }),
]);

/**
 * Thrown when a patch cannot be applied (missing parent, bad index, failed
 * test, malformed op or value, or a document rule such as writing a root).
 * `op` is the offending operation as given.
 */
export class JsonPatchError extends Error {
  override readonly name = 'JsonPatchError';
  constructor(
    readonly op: JsonPatchOp,
    detail: string,
  ) {
    super(`${op.op} ${op.path}: ${detail}`);
  }
}
