import { type Intent, type IntentContext, type StateReader, createIntent, readEntityVersion } from '@dungeon-lab/events';
import type { UserAction } from '@dungeon-lab/plugin-api';
import type { z } from 'zod';
import { actorPointer, readActor } from './actor.ts';
import { AttackPayloadSchema } from './attack-intent.ts';
import { CastAoePayloadSchema } from './cast-aoe-intent.ts';
import { ConditionPayloadSchema } from './condition-intent.ts';
import { DamagePayloadSchema } from './damage-intent.ts';
import { DeathSavePayloadSchema } from './death-save-intent.ts';
import { HealPayloadSchema } from './heal-intent.ts';
import { RollInitiativePayloadSchema } from './initiative-intent.ts';
import { DND5E_INTENT_TYPES } from './ids.ts';
import { TempHpPayloadSchema } from './temp-hp-intent.ts';

/** What each UI action carries: the intent's payload without the dice, which only the server rolls. */
export const ActionSchemas = {
  attack: AttackPayloadSchema.pick({ attackerId: true, targetId: true, weaponId: true }),
  castAoe: CastAoePayloadSchema.omit({ rolls: true }),
  deathSave: DeathSavePayloadSchema.omit({ roll: true }),
  damage: DamagePayloadSchema,
  heal: HealPayloadSchema,
  tempHp: TempHpPayloadSchema,
  condition: ConditionPayloadSchema,
  rollInitiative: RollInitiativePayloadSchema.omit({ rolls: true }),
} as const;
export type Dnd5eActionKind = keyof typeof ActionSchemas;

function parseData<S extends z.ZodType>(schema: S, action: UserAction): z.infer<S> {
  const parsed = schema.safeParse(action.data);
  if (!parsed.success) throw new Error(`dnd5e ${action.kind}: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? 'invalid'}`.trim());
  return parsed.data;
}

/**
 * Turns a UI action into an intent ([D21]). An attack carries the weapon's
 * damage dice (so the server knows what to roll) and `expected` = the
 * target's current `_version`, so an attack queued against a target that has
 * changed since comes back as a conflict for `resolveConflict`. Area spells
 * carry none: their targets are found when the server sequences them.
 * Throws a descriptive Error for an unknown action or malformed data — a UI
 * bug, not a rules question; rules are for `validate`.
 */
export function createStateEvent(action: UserAction, state: StateReader, _ctx: IntentContext): Intent {
  switch (action.kind as Dnd5eActionKind) {
    case 'attack': {
      const data = parseData(ActionSchemas.attack, action);
      const attacker = readActor(state, data.attackerId);
      if (!attacker.ok) throw new Error(`dnd5e attack: ${attacker.problem}`);
      const weapon = Object.hasOwn(attacker.actor.weapons, data.weaponId) ? attacker.actor.weapons[data.weaponId] : undefined;
      if (weapon === undefined) throw new Error(`dnd5e attack: ${attacker.actor.name} has no weapon "${data.weaponId}"`);
      const entity = actorPointer(data.targetId);
      return createIntent(DND5E_INTENT_TYPES.attack, { ...data, damageDice: weapon.damage }, { expected: { entity, version: readEntityVersion(state, entity) } });
    }
    case 'castAoe':
      return createIntent(DND5E_INTENT_TYPES.castAoe, parseData(ActionSchemas.castAoe, action));
    case 'deathSave':
      return createIntent(DND5E_INTENT_TYPES.deathSave, parseData(ActionSchemas.deathSave, action));
    case 'damage':
      return createIntent(DND5E_INTENT_TYPES.damage, parseData(ActionSchemas.damage, action));
    case 'heal':
      return createIntent(DND5E_INTENT_TYPES.heal, parseData(ActionSchemas.heal, action));
    case 'tempHp':
      return createIntent(DND5E_INTENT_TYPES.tempHp, parseData(ActionSchemas.tempHp, action));
    case 'condition':
      return createIntent(DND5E_INTENT_TYPES.condition, parseData(ActionSchemas.condition, action));
    case 'rollInitiative':
      return createIntent(DND5E_INTENT_TYPES.rollInitiative, parseData(ActionSchemas.rollInitiative, action));
    default:
      throw new Error(`dnd5e: unknown action "${action.kind}"`);
  }
}
