import type { JsonPatchOp, JsonValue, StateReader } from '@dungeon-lab/events';

/**
 * A patch op that sets `pointer` to `value`: `replace` where a value exists,
 * `add` where it does not. Reducers need this because RFC 6902 `replace`
 * fails on a missing member, and documents written by free CRDT edits often
 * lack optional fields. The parent must exist.
 */
export function setOp(state: StateReader, pointer: string, value: JsonValue): JsonPatchOp {
  return state.get(pointer) === undefined ? { op: 'add', path: pointer, value } : { op: 'replace', path: pointer, value };
}
