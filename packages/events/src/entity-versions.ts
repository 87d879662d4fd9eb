import { type DocSchema, ENTITY_VERSION_KEY, TABLE_DOC_SCHEMA } from './doc-schema.ts';
import type { JsonPatchOp } from './json-patch-types.ts';
import { formatPointer, parsePointerOrUndefined } from './json-pointer.ts';
import type { StateReader } from './reducer.ts';

/**
 * Entities (`/root/key`, direct children of a MAP root) whose state a patch
 * writes, in first-touched order ([EM10]): the server bumps their `_version`
 * and preconditions compare against it. `test` and a copy's `from` only read,
 * so they touch nothing; a move touches both ends. Array roots (chat, dice)
 * have no entities. Pointers stay escaped (`/tokens/a~1b`).
 */
export function touchedEntities(ops: readonly JsonPatchOp[], schema: DocSchema = TABLE_DOC_SCHEMA): string[] {
  const seen = new Set<string>();
  const visit = (pointer: string) => {
    const tokens = parsePointerOrUndefined(pointer);
    if (tokens === undefined) return;
    if (tokens.length >= 2 && schema[tokens[0]!] === 'map') seen.add(formatPointer(tokens.slice(0, 2)));
  };
  for (const op of ops) {
    if (op.op === 'test') continue;
    if (op.op === 'move') visit(op.from);
    visit(op.path);
  }
  return [...seen];
}

/** An entity's `_version`; 0 when the entity or its version is absent or not a non-negative integer ([EM10]). */
export function readEntityVersion(reader: StateReader, entity: string): number {
  const version = reader.get(`${entity}/${ENTITY_VERSION_KEY}`);
  return typeof version === 'number' && Number.isInteger(version) && version >= 0 ? version : 0;
}
