import { type JsonPatchOp, type JsonValue, type ReducibleEvent, type StateReader, JsonPointerError, parsePointer } from '@dungeon-lab/events';
import type { CriticalVerdict } from '@dungeon-lab/plugin-api';
import { readActor } from './actor.ts';
import { DND5E_INTENT_TYPES } from './ids.ts';

export interface CharacterDeath {
  readonly actorId: string;
  readonly name: string;
  readonly cause: 'death-saves' | 'massive-damage';
}

function tokensOf(path: string): string[] | undefined {
  try {
    return parsePointer(path);
  } catch (err) {
    if (err instanceof JsonPointerError) return undefined;
    throw err;
  }
}

function isObject(value: JsonValue): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const FAILURES_PATH = ['deathSaves', 'failures'];

/** Failures the patch writes for an actor, wherever it writes them (the field, the deathSaves object, the whole actor). */
function writtenFailures(ops: readonly JsonPatchOp[], actorId: string): number | undefined {
  let failures: number | undefined;
  for (const op of ops) {
    if (op.op !== 'add' && op.op !== 'replace') continue;
    const t = tokensOf(op.path);
    if (t === undefined || t[0] !== 'actors' || t[1] !== actorId) continue;
    const rest = t.slice(2);
    if (rest.length > FAILURES_PATH.length || rest.some((key, i) => key !== FAILURES_PATH[i])) continue;
    let value: JsonValue | undefined = op.value;
    for (const key of FAILURES_PATH.slice(rest.length)) value = value !== undefined && isObject(value) ? value[key] : undefined;
    if (typeof value === 'number') failures = value;
  }
  return failures;
}

/**
 * Characters the patch kills ([D18]): it sets `dead` to true (as a field or
 * inside a written actor) for an actor that is a character and not dead yet.
 * A death with three failed death saves written is by death saves; any other
 * is massive damage.
 */
export function characterDeaths(patch: readonly JsonPatchOp[], state: StateReader): CharacterDeath[] {
  const ids: string[] = [];
  for (const op of patch) {
    if (op.op !== 'add' && op.op !== 'replace') continue;
    const t = tokensOf(op.path);
    if (t === undefined || t[0] !== 'actors' || t[1] === undefined) continue;
    const dies = (t.length === 3 && t[2] === 'dead' && op.value === true) || (t.length === 2 && isObject(op.value) && op.value.dead === true);
    if (dies && !ids.includes(t[1])) ids.push(t[1]);
  }
  const deaths: CharacterDeath[] = [];
  for (const actorId of ids) {
    const read = readActor(state, actorId);
    if (!read.ok || read.actor.kind !== 'character' || read.actor.dead) continue;
    const failures = writtenFailures(patch, actorId) ?? 0;
    deaths.push({ actorId, name: read.actor.name, cause: failures >= 3 ? 'death-saves' : 'massive-damage' });
  }
  return deaths;
}

function describe(death: CharacterDeath, event: ReducibleEvent<JsonValue>): string {
  if (death.cause === 'massive-damage') return `${death.name} dies from massive damage`;
  if (event.type === DND5E_INTENT_TYPES.deathSave) return `${death.name} fails a third death save and dies`;
  return `${death.name} takes damage at 0 HP, fails a third death save and dies`;
}

/**
 * A player character's death waits for the GM ([D18]); nothing else is
 * critical. An NPC dropping to 0 dies at once and is not critical.
 */
export function isCriticalEvent(event: ReducibleEvent<JsonValue>, patch: readonly JsonPatchOp[], state: StateReader): CriticalVerdict | null {
  const deaths = characterDeaths(patch, state);
  if (deaths.length === 0) return null;
  return { summary: deaths.map((d) => describe(d, event)).join('; ') };
}
