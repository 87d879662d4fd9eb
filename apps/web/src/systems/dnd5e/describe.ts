import type { JsonObject, JsonValue } from '@dungeon-lab/events';
import { AREA_SPELLS, type AreaSpellId, DND5E_INTENT_TYPES } from '@dungeon-lab/plugin-dnd5e';

const T = DND5E_INTENT_TYPES;

function object(v: JsonValue | undefined): JsonObject | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : null;
}

/**
 * A 5e intent in words for the log, the approval queue and the waiting strip
 * ("Aria attacks Bugbear 1 with a longsword"). Names come from the table as
 * it is now; a creature that is gone (or hidden from this viewer) is "a
 * creature". Null for a type that is not this system's.
 */
export function describe(type: string, payload: JsonValue, view: JsonObject): string | null {
  const p = object(payload) ?? {};
  const actors = object(view.actors) ?? {};
  const name = (id: JsonValue | undefined): string => {
    const actor = typeof id === 'string' ? object(actors[id]) : null;
    return typeof actor?.name === 'string' ? actor.name : 'a creature';
  };
  const amount = typeof p.amount === 'number' ? p.amount : '?';
  switch (type) {
    case T.attack: {
      const attacker = typeof p.attackerId === 'string' ? object(actors[p.attackerId]) : null;
      const weapon = typeof p.weaponId === 'string' ? object(object(attacker?.weapons)?.[p.weaponId])?.name : undefined;
      return `${name(p.attackerId)} attacks ${name(p.targetId)}${typeof weapon === 'string' ? ` with ${weapon}` : ''}`;
    }
    case T.damage:
      return `${amount} ${typeof p.type === 'string' ? `${p.type} ` : ''}damage to ${name(p.targetId)}`;
    case T.heal:
      return `heal ${name(p.targetId)} for ${amount}`;
    case T.tempHp:
      return `${amount} temporary HP to ${name(p.targetId)}`;
    case T.castAoe: {
      const spell = typeof p.spell === 'string' && Object.hasOwn(AREA_SPELLS, p.spell) ? AREA_SPELLS[p.spell as AreaSpellId].name : 'a spell';
      return `${name(p.casterId)} casts ${spell}`;
    }
    case T.condition:
      return `${p.action === 'remove' ? 'remove' : 'add'} ${String(p.condition)} ${p.action === 'remove' ? 'from' : 'to'} ${name(p.targetId)}`;
    case T.deathSave:
      return `${name(p.actorId)} rolls a death save`;
    case T.rollInitiative:
      return `roll initiative for ${Array.isArray(p.tokenIds) ? p.tokenIds.length : '?'} combatants`;
    default:
      return null;
  }
}
