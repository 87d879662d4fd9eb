import type { ExpectedVersion, Intent, JsonValue, StateReader } from '@dungeon-lab/events';
import type { ConflictResolution } from '@dungeon-lab/plugin-api';
import { type ActorRead, readActor } from './actor.ts';
import { AttackPayloadSchema } from './attack-intent.ts';
import { rangeProblem } from './attack-rules.ts';
import { CastAoePayloadSchema } from './cast-aoe-intent.ts';
import { ConditionPayloadSchema } from './condition-intent.ts';
import { DamagePayloadSchema } from './damage-intent.ts';
import { DeathSavePayloadSchema } from './death-save-intent.ts';
import { deriveActor } from './derived-state.ts';
import { HealPayloadSchema } from './heal-intent.ts';
import { DND5E_INTENT_TYPES } from './ids.ts';
import { actorDistanceFeet, feetPerUnit, placedTokens } from './positions.ts';
import { TempHpPayloadSchema } from './temp-hp-intent.ts';

const apply: ConflictResolution = { kind: 'apply' };
const reject = (reason: string): ConflictResolution => ({ kind: 'reject', reason });
const manual = (reason: string): ConflictResolution => ({ kind: 'manual', reason });

function gone(read: ActorRead & { ok: false }, id: string): ConflictResolution {
  return reject(read.missing ? `${id} is gone` : read.problem);
}

function resolveAttack(payload: JsonValue, state: StateReader): ConflictResolution {
  const parsed = AttackPayloadSchema.safeParse(payload);
  if (!parsed.success) return reject('the attack is malformed');
  const { attackerId, targetId, weaponId } = parsed.data;
  const target = readActor(state, targetId);
  if (!target.ok) return gone(target, targetId);
  if (target.actor.dead) return reject(`${target.actor.name} is already dead`);
  const attacker = readActor(state, attackerId);
  if (!attacker.ok) return gone(attacker, attackerId);
  const a = deriveActor(attacker.actor);
  if (a.dead) return reject(`${attacker.actor.name} is dead`);
  if (!a.canAct) return manual(`${attacker.actor.name} is ${a.conscious ? 'incapacitated' : 'unconscious'} now`);
  const weapon = Object.hasOwn(attacker.actor.weapons, weaponId) ? attacker.actor.weapons[weaponId] : undefined;
  if (weapon === undefined || weapon.damage !== parsed.data.damageDice) return manual(`${attacker.actor.name}'s weapon changed`);
  if (target.actor.conditions.includes('invisible')) return manual(`${target.actor.name} is invisible now`);
  const distance = actorDistanceFeet(placedTokens(state), attackerId, targetId, feetPerUnit(state));
  const range = rangeProblem(weapon, distance);
  if (range !== undefined) return manual(`${target.actor.name} is out of reach now: ${range}`);
  return apply;
}

function resolveCast(payload: JsonValue, state: StateReader): ConflictResolution {
  const parsed = CastAoePayloadSchema.safeParse(payload);
  if (!parsed.success) return reject('the spell is malformed');
  const caster = readActor(state, parsed.data.casterId);
  if (!caster.ok) return gone(caster, parsed.data.casterId);
  const c = deriveActor(caster.actor);
  if (c.dead) return reject(`${caster.actor.name} is dead`);
  if (!c.canAct) return manual(`${caster.actor.name} is ${c.conscious ? 'incapacitated' : 'unconscious'} now`);
  // Targets are found when the server sequences the cast, so moved or fallen creatures need no decision.
  return apply;
}

function resolveDeathSave(payload: JsonValue, state: StateReader): ConflictResolution {
  const parsed = DeathSavePayloadSchema.safeParse(payload);
  if (!parsed.success) return reject('the death save is malformed');
  const read = readActor(state, parsed.data.actorId);
  if (!read.ok) return gone(read, parsed.data.actorId);
  if (read.actor.dead) return reject(`${read.actor.name} is already dead`);
  if (read.actor.hp.value > 0 || read.actor.stable) return reject(`${read.actor.name} is no longer dying`);
  return apply;
}

type TargetedSchema = { safeParse(value: unknown): { success: boolean; data?: { targetId: string } } };

function resolveTargeted(payload: JsonValue, state: StateReader, schema: TargetedSchema, deadMatters: boolean): ConflictResolution {
  const parsed = schema.safeParse(payload);
  if (!parsed.success || parsed.data === undefined) return reject('the intent is malformed');
  const read = readActor(state, parsed.data.targetId);
  if (!read.ok) return gone(read, parsed.data.targetId);
  if (deadMatters && read.actor.dead) return reject(`${read.actor.name} is already dead`);
  // Damage, healing and temp HP are computed against current HP, so they compose with whatever happened meanwhile.
  return apply;
}

/**
 * What to do with an intent whose `expected` version no longer holds ([D19]),
 * judged against the state as it is now: the target gone or dead → reject
 * with the reason; a change that makes the action questionable (target
 * invisible or out of reach, attacker down or re-armed) → the GM decides;
 * otherwise apply, since every reducer reads current state and composes.
 * "apply" still runs validate and reduce as usual.
 */
export function resolveConflict(
  local: { readonly intent: Intent; readonly expected: ExpectedVersion },
  _remote: { readonly entity: JsonValue | undefined; readonly version: number },
  state: StateReader,
): ConflictResolution {
  const { type, payload } = local.intent;
  switch (type) {
    case DND5E_INTENT_TYPES.attack:
      return resolveAttack(payload, state);
    case DND5E_INTENT_TYPES.castAoe:
      return resolveCast(payload, state);
    case DND5E_INTENT_TYPES.deathSave:
      return resolveDeathSave(payload, state);
    case DND5E_INTENT_TYPES.damage:
      return resolveTargeted(payload, state, DamagePayloadSchema, true);
    case DND5E_INTENT_TYPES.heal:
      return resolveTargeted(payload, state, HealPayloadSchema, true);
    case DND5E_INTENT_TYPES.tempHp:
      return resolveTargeted(payload, state, TempHpPayloadSchema, true);
    case DND5E_INTENT_TYPES.condition:
      return resolveTargeted(payload, state, ConditionPayloadSchema, false);
    default:
      return manual(`${type} is not a dnd5e intent`);
  }
}
