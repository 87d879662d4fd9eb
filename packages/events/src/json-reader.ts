import { parsePointerOrUndefined } from './json-pointer.ts';
import { plainJsonAdapter } from './json-patch.ts';
import type { JsonValue } from './json.ts';
import { NOT_FOUND, lookup } from './patch-engine.ts';
import type { StateReader } from './reducer.ts';

/**
 * A StateReader over a plain JSON value, e.g. a client's projection with its
 * prediction overlay applied. Values are shared with `value`: do not mutate them.
 * A malformed pointer reads as absent, like a missing one.
 */
export function createJsonReader(value: JsonValue): StateReader {
  return {
    get(pointer: string): JsonValue | undefined {
      const tokens = parsePointerOrUndefined(pointer);
      if (tokens === undefined) return undefined;
      const found = lookup(plainJsonAdapter, value, tokens);
      return found === NOT_FOUND ? undefined : (found as JsonValue);
    },
  };
}
