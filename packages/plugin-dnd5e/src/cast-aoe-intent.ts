import { type IntentDefinition, type JsonObject, type JsonPatchOp, type StateReader, type Validation, invalid, valid } from '@dungeon-lab/events';
import { RejectReason } from '@dungeon-lab/protocol';
import { z } from 'zod';
import { type Actor, readActor } from './actor.ts';
import { actorChangeOps, spellSlotUseOp } from './actor-ops.ts';
import { type AreaTarget, MAX_AREA_TARGETS, SAVE_POOL_SIZE, areaTargets } from './area-targets.ts';
import { chatCardOp } from './chat-card.ts';
import { applyDefenses } from './defenses.ts';
import { deriveActor } from './derived-state.ts';
import { MAX_DAMAGE_DICE, d20Problem, poolFaces, poolProblem, poolTotal, rollD20s, rollPool } from './dice-pools.ts';
import { takeDamage } from './hit-points.ts';
import { DND5E_INTENT_TYPES } from './ids.ts';
import { fateText } from './outcome-text.ts';
import { EntityIdSchema, IntSchema } from './payload-fields.ts';
import { controlProblem } from './permissions.ts';
import { type PlacedToken, feetPerUnit, gridDistanceFeet, placedTokens, tokensOf, withinFeet } from './positions.ts';
import { rollSave } from './saving-throws.ts';
import { type AreaSpell, AreaSpellIdSchema, areaSpell, spellDamageDice } from './spells.ts';

export const CastAoeRollsSchema = z.strictObject({
  /** The ONE damage roll every target shares. */
  damage: z.array(IntSchema).max(MAX_DAMAGE_DICE),
  /** A pool of d20 pairs, one pair per target in actor-id order. */
  saves: z.array(IntSchema).max(SAVE_POOL_SIZE),
});

export const CastAoePayloadSchema = z.strictObject({
  casterId: EntityIdSchema,
  spell: AreaSpellIdSchema,
  /** Slot level used; the spell's own level when absent. Higher slots add the spell's upcast dice. */
  slotLevel: IntSchema.min(1).max(9).optional(),
  /** Grid position aimed at: the sphere's centre, or the direction of a cone or line. */
  x: z.number(),
  y: z.number(),
  /** Filled in by the server's `prepare`; a client's own values are overwritten. */
  rolls: CastAoeRollsSchema.optional(),
});
export type CastAoePayload = z.infer<typeof CastAoePayloadSchema>;

interface CastScene {
  readonly caster: Actor;
  readonly spell: AreaSpell;
  readonly slotLevel: number;
  readonly origin: PlacedToken;
  readonly targets: AreaTarget[];
  readonly dc: number;
}

const rule = (detail: string): Validation => invalid(RejectReason.RuleViolation, detail);

function slotLevelOf(payload: CastAoePayload): number {
  return payload.slotLevel ?? areaSpell(payload.spell).level;
}

/** Why the dice in the payload are not a possible roll for this cast ([D3]). */
function rollsProblem(payload: CastAoePayload): string | undefined {
  if (payload.rolls === undefined) return undefined;
  const spell = areaSpell(payload.spell);
  const slotLevel = slotLevelOf(payload);
  if (slotLevel < spell.level) return undefined;
  return poolProblem(spellDamageDice(spell, slotLevel), 1, payload.rolls.damage, 'damage roll') ?? d20Problem(payload.rolls.saves, SAVE_POOL_SIZE, 'saving throws');
}

/**
 * Everything about a cast the state decides: caster, slot, origin, DC and the
 * creatures in the area at the moment the server sequences it. Both validate
 * and reduce go through here, so they agree. Never throws.
 */
function readScene(payload: CastAoePayload, state: StateReader): CastScene | Validation {
  const spell = areaSpell(payload.spell);
  const slotLevel = slotLevelOf(payload);
  if (slotLevel < spell.level) return rule(`${spell.name} is a level ${spell.level} spell; a level ${slotLevel} slot cannot cast it`);
  const read = readActor(state, payload.casterId);
  if (!read.ok) return rule(read.problem);
  const caster = read.actor;
  if (!caster.spells.includes(payload.spell)) return rule(`${caster.name} cannot cast ${spell.name}`);
  const derived = deriveActor(caster);
  if (derived.spellSaveDc === null) return rule(`${caster.name} has no spellcasting ability`);
  const slot = Object.hasOwn(caster.spellSlots, String(slotLevel)) ? caster.spellSlots[String(slotLevel)] : undefined;
  if (slot === undefined || slot.used >= slot.max) return rule(`${caster.name} has no level ${slotLevel} spell slot left`);
  const tokens = placedTokens(state);
  const origin = tokensOf(tokens, payload.casterId)[0];
  if (origin === undefined) return rule(`${caster.name} has no token on the scene to cast from`);
  const feet = feetPerUnit(state);
  const aim = { x: payload.x, y: payload.y };
  if (spell.range === 'self') {
    if (aim.x === origin.x && aim.y === origin.y) return rule(`${spell.name} needs a direction away from the caster`);
  } else {
    const distance = gridDistanceFeet(origin, aim, feet);
    if (!withinFeet(distance, spell.range)) return rule(`${spell.name} has a range of ${spell.range} ft; that point is ${Math.round(distance)} ft away`);
  }
  const targets = areaTargets(state, tokens, spell, origin, aim, feet);
  if (targets.length > MAX_AREA_TARGETS) return rule(`more than ${MAX_AREA_TARGETS} creatures in the area`);
  return { caster, spell, slotLevel, origin, targets, dc: derived.spellSaveDc };
}

function isScene(value: CastScene | Validation): value is CastScene {
  return 'caster' in value;
}

/** The actor ids a cast would affect in this state (caster's slot aside); empty when it could not be cast. */
export function castAoeTargetIds(payload: CastAoePayload, state: StateReader): string[] {
  const scene = readScene(payload, state);
  return isScene(scene) ? scene.targets.map((t) => t.actorId) : [];
}

/**
 * `plugin:dnd5e:cast-aoe` ([D15]): an area spell from the spell table. It
 * spends the slot, finds the creatures in the area from the token positions
 * when the server sequences it, and applies ONE damage roll — halved for each
 * creature that makes its save against the caster's spell save DC — to all of
 * them in one patch, so the server writes it in one transaction.
 */
export const castAoeIntent: IntentDefinition<CastAoePayload> = {
  type: DND5E_INTENT_TYPES.castAoe,
  payload: CastAoePayloadSchema,
  maxPayloadBytes: 4 * 1024,
  priority: true,
  prepare(payload, random) {
    const spell = areaSpell(payload.spell);
    const dice = spellDamageDice(spell, Math.max(spell.level, slotLevelOf(payload)));
    return { ...payload, rolls: { damage: rollPool(dice, 1, random), saves: rollD20s(SAVE_POOL_SIZE, random) } };
  },
  validate(payload, state, ctx) {
    const claim = rollsProblem(payload);
    if (claim !== undefined) return rule(claim);
    const read = readActor(state, payload.casterId);
    if (!read.ok) return rule(read.problem);
    const denied = controlProblem(read.actor, payload.casterId, ctx);
    if (denied) return denied;
    const derived = deriveActor(read.actor);
    if (derived.dead) return rule(`${read.actor.name} is dead`);
    if (!derived.canAct) return rule(`${read.actor.name} is ${derived.conscious ? 'incapacitated' : 'unconscious'} and cannot cast`);
    const scene = readScene(payload, state);
    return isScene(scene) ? valid : scene;
  },
  reduce(event, state) {
    const { payload } = event;
    const scene = readScene(payload, state);
    if (!isScene(scene)) return [];
    const { caster, spell, slotLevel, targets, dc } = scene;
    const slot = caster.spellSlots[String(slotLevel)]!;
    const ops: JsonPatchOp[] = [spellSlotUseOp(state, payload.casterId, slotLevel, slot.used + 1)];
    const heading = `${caster.name} casts ${spell.name}${slotLevel > spell.level ? ` at level ${slotLevel}` : ''} (DC ${dc} ${spell.save.toUpperCase()} save)`;
    const base = { casterId: payload.casterId, spell: payload.spell, slotLevel, dc, save: spell.save, targets: targets.map((t) => t.actorId) };
    // The slot is spent whatever the dice say, so a prediction may show it; damage waits for the server's roll.
    if (payload.rolls === undefined || rollsProblem(payload) !== undefined) {
      ops.push(chatCardOp(event, `${heading}…`, base, true));
      return ops;
    }
    const dice = spellDamageDice(spell, slotLevel);
    const rolled = Math.max(0, poolTotal(dice, 1, payload.rolls.damage, 1));
    const { saves } = payload.rolls;
    const results: JsonObject[] = [];
    const lines: string[] = [];
    targets.forEach(({ actorId, actor }, i) => {
      const save = rollSave(actor, spell.save, dc, saves.slice(2 * i, 2 * i + 2));
      // Halving for the save comes before resistance: resistances apply after all other modifiers.
      const amount = save.success ? (spell.onSave === 'half' ? Math.floor(rolled / 2) : 0) : rolled;
      const defended = applyDefenses(actor, amount, spell.damage.type);
      const result = takeDamage(actor, defended.amount, false);
      ops.push(...actorChangeOps(state, actorId, actor, result.actor));
      results.push({
        actorId,
        natural: save.natural,
        total: save.total,
        mode: save.mode,
        autoFail: save.autoFail,
        success: save.success,
        taken: defended.amount,
        defense: defended.applied,
        hp: result.actor.hp.value,
        died: result.died,
      });
      const fate = fateText(actor.name, result.droppedToZero, result.died);
      lines.push(`${actor.name} ${save.success ? 'saves' : 'fails'} (${save.autoFail ? 'automatic failure' : save.total}) and takes ${defended.amount}.${fate}`);
    });
    const text = `${heading}: ${rolled} ${spell.damage.type}. ${targets.length === 0 ? 'Nobody is in the area.' : lines.join(' ')}`;
    ops.push(chatCardOp(event, text, { ...base, damage: { faces: poolFaces(dice, 1, payload.rolls.damage, 1), rolled, type: spell.damage.type }, results }));
    return ops;
  },
};
