import { type IntentDefinition, type JsonObject, type JsonPatchOp, type ReducibleEvent, type StateReader, type Validation, invalid, valid } from '@dungeon-lab/events';
import { RejectReason } from '@dungeon-lab/protocol';
import { z } from 'zod';
import { type Actor, type Weapon, readActor } from './actor.ts';
import { actorChangeOps } from './actor-ops.ts';
import { type AttackPlan, planAttack, rangeProblem, resolveAttack } from './attack-rules.ts';
import { chatCardOp } from './chat-card.ts';
import { deriveActor } from './derived-state.ts';
import { type DamageDice, DamageDiceSchema, MAX_DAMAGE_DICE, d20Problem, parseDamageDice, poolProblem, rollD20s, rollPool } from './dice-pools.ts';
import { takeDamage } from './hit-points.ts';
import { DND5E_INTENT_TYPES } from './ids.ts';
import { fateText, signed } from './outcome-text.ts';
import { EntityIdSchema, IntSchema } from './payload-fields.ts';
import { controlProblem } from './permissions.ts';
import { actorDistanceFeet, feetPerUnit, placedTokens } from './positions.ts';

export const AttackRollsSchema = z.strictObject({
  /** Two d20s, always: advantage is decided from the state when the attack resolves. */
  d20: z.array(IntSchema).max(2),
  /** Two copies of the weapon's damage dice, term by term: the second copy is a crit's extra dice. */
  damage: z.array(IntSchema).max(2 * MAX_DAMAGE_DICE),
});

export const AttackPayloadSchema = z.strictObject({
  attackerId: EntityIdSchema,
  targetId: EntityIdSchema,
  weaponId: EntityIdSchema,
  /**
   * The weapon's damage dice as the client saw them. `prepare` has no state,
   * so this tells it which dice to roll; `validate` rejects the attack if the
   * weapon no longer deals exactly this.
   */
  damageDice: DamageDiceSchema,
  /** Filled in by the server's `prepare`; a client's own values are overwritten. */
  rolls: AttackRollsSchema.optional(),
});
export type AttackPayload = z.infer<typeof AttackPayloadSchema>;

interface AttackScene {
  readonly attacker: Actor;
  readonly target: Actor;
  readonly weapon: Weapon;
  readonly distance: number | null;
}

function ownWeapon(actor: Actor, weaponId: string): Weapon | undefined {
  return Object.hasOwn(actor.weapons, weaponId) ? actor.weapons[weaponId] : undefined;
}

/** Reads and checks everything an attack needs from the state; never throws. */
function readScene(payload: AttackPayload, state: StateReader): AttackScene | Validation {
  const rule = (detail: string) => invalid(RejectReason.RuleViolation, detail);
  const attacker = readActor(state, payload.attackerId);
  if (!attacker.ok) return rule(attacker.problem);
  const target = readActor(state, payload.targetId);
  if (!target.ok) return rule(target.problem);
  const weapon = ownWeapon(attacker.actor, payload.weaponId);
  if (weapon === undefined) return rule(`${attacker.actor.name} has no weapon "${payload.weaponId}"`);
  const tokens = placedTokens(state);
  const distance = actorDistanceFeet(tokens, payload.attackerId, payload.targetId, feetPerUnit(state));
  return { attacker: attacker.actor, target: target.actor, weapon, distance };
}

function isScene(value: AttackScene | Validation): value is AttackScene {
  return 'attacker' in value;
}

/** Why the client-supplied or server-rolled dice are not a possible roll for this attack ([D3]). */
function rollsProblem(payload: AttackPayload): string | undefined {
  if (payload.rolls === undefined) return undefined;
  const dice = parseDamageDice(payload.damageDice);
  if (dice === undefined) return 'damage dice are not valid';
  return d20Problem(payload.rolls.d20, 2, 'attack roll') ?? poolProblem(dice, 2, payload.rolls.damage, 'damage roll');
}

/**
 * `plugin:dnd5e:attack` ([D6]): a weapon attack by an actor the caller
 * controls against a living target in reach. The server rolls two d20s and
 * two copies of the damage dice in `prepare`; `reduce` picks the kept d20
 * from advantage and the copies from the crit, against the state it sees.
 */
export const attackIntent: IntentDefinition<AttackPayload> = {
  type: DND5E_INTENT_TYPES.attack,
  payload: AttackPayloadSchema,
  maxPayloadBytes: 4 * 1024,
  priority: true,
  prepare(payload, random) {
    const dice = parseDamageDice(payload.damageDice);
    return { ...payload, rolls: { d20: rollD20s(2, random), damage: dice === undefined ? [] : rollPool(dice, 2, random) } };
  },
  validate(payload, state, ctx) {
    const claim = rollsProblem(payload);
    if (claim !== undefined) return invalid(RejectReason.RuleViolation, claim);
    const scene = readScene(payload, state);
    if (!isScene(scene)) return scene;
    const { attacker, target, weapon, distance } = scene;
    const denied = controlProblem(attacker, payload.attackerId, ctx);
    if (denied) return denied;
    const a = deriveActor(attacker);
    if (a.dead) return invalid(RejectReason.RuleViolation, `${attacker.name} is dead`);
    if (!a.canAct) return invalid(RejectReason.RuleViolation, `${attacker.name} is ${a.conscious ? 'incapacitated' : 'unconscious'} and cannot attack`);
    if (target.dead) return invalid(RejectReason.RuleViolation, `${target.name} is already dead`);
    if (payload.damageDice !== weapon.damage) return invalid(RejectReason.RuleViolation, `${weapon.name} deals ${weapon.damage}, not ${payload.damageDice}`);
    const range = rangeProblem(weapon, distance);
    if (range !== undefined) return invalid(RejectReason.RuleViolation, range);
    return valid;
  },
  reduce(event, state) {
    const { payload } = event;
    const scene = readScene(payload, state);
    if (!isScene(scene)) return [];
    const { attacker, target, weapon, distance } = scene;
    const plan = planAttack(attacker, target, weapon, distance);
    const base: JsonObject = {
      attackerId: payload.attackerId,
      targetId: payload.targetId,
      weaponId: payload.weaponId,
      mode: plan.mode,
      advantage: plan.advantage,
      disadvantage: plan.disadvantage,
      ac: plan.ac,
      toHit: plan.attack.toHit,
    };
    const heading = `${attacker.name} attacks ${target.name} with ${weapon.name}`;
    const dice = parseDamageDice(payload.damageDice);
    // Without the server's dice (a client predicting) nothing about the outcome is known: no HP change, a pending card.
    if (payload.rolls === undefined || dice === undefined || rollsProblem(payload) !== undefined || payload.damageDice !== weapon.damage) {
      return [chatCardOp(event, `${heading}…`, base, true)];
    }
    return attackOps(event, state, plan, scene, dice, payload.rolls, base, heading);
  },
};

/** The effect of an attack with the server's dice: the target's HP changes and the chat card. */
function attackOps(
  event: ReducibleEvent<AttackPayload>,
  state: StateReader,
  plan: AttackPlan,
  scene: AttackScene,
  dice: DamageDice,
  rolls: NonNullable<AttackPayload['rolls']>,
  base: JsonObject,
  heading: string,
): JsonPatchOp[] {
  const { target, weapon } = scene;
  const outcome = resolveAttack(plan, target, rolls.d20, dice, rolls.damage, weapon.damageType);
  const rollText = `${outcome.natural}${signed(plan.attack.toHit)} = ${outcome.total} vs AC ${plan.ac}${plan.mode === 'normal' ? '' : ` (${plan.mode})`}`;
  if (!outcome.hit) {
    const card = { ...base, d20: rolls.d20, natural: outcome.natural, total: outcome.total, hit: false, critical: false };
    return [chatCardOp(event, `${heading}: ${rollText}, miss.`, card)];
  }
  const result = takeDamage(target, outcome.damage, outcome.critical);
  const defense = outcome.defense === null ? '' : ` (${outcome.defense}: ${outcome.damage})`;
  const fate = fateText(target.name, result.droppedToZero, result.died);
  const text = `${heading}: ${rollText}, ${outcome.critical ? 'critical hit' : 'hit'} for ${outcome.rolled} ${weapon.damageType}${defense}.${fate}`;
  const card = {
    ...base,
    d20: rolls.d20,
    natural: outcome.natural,
    total: outcome.total,
    hit: true,
    critical: outcome.critical,
    damage: { faces: outcome.faces, rolled: outcome.rolled, type: weapon.damageType, taken: outcome.damage, defense: outcome.defense },
    targetHp: result.actor.hp.value,
    died: result.died,
  };
  return [...actorChangeOps(state, event.payload.targetId, target, result.actor), chatCardOp(event, text, card)];
}
