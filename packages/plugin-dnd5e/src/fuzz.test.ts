import { type AnyIntentDefinition, type IntentContext, type JsonObject, type JsonValue, applyPatch, createIntent, createIntentRegistry, createJsonReader, validateIntent } from '@dungeon-lab/events';
import { describe, expect, it } from 'vitest';
import { ActorSchema } from './actor.ts';
import { SAVE_POOL_SIZE } from './area-targets.ts';
import { DND5E_INTENT_TYPES } from './ids.ts';
import { DND5E_INTENTS } from './intents.ts';
import { dnd5ePlugin } from './plugin.ts';
import { GM, MIRA_PLAYER, THORIN_PLAYER, event, seededRandom, table, thorin } from './table.fixture.ts';

type Rand = () => number;
const int = (rand: Rand, n: number) => Math.floor(rand() * n);
const pick = <T>(rand: Rand, items: readonly T[]): T => items[int(rand, items.length)]!;

const registry = createIntentRegistry(DND5E_INTENTS);
const CONTEXTS: IntentContext[] = [GM, THORIN_PLAYER, MIRA_PLAYER];
const WEIRD: JsonValue[] = [null, true, 0, -1, 1.5, 1e21, -1e21, 2 ** 53, '', 'x', '__proto__', 'toString', 'a/b~c', '🎲', [], [1, 2], {}, { a: 1 }, 27, 50, 20, 1, 3, 9];

/** Payloads that pass, submitted and prepared, as mutation seeds. */
const SEEDS: Record<string, JsonObject[]> = {
  [DND5E_INTENT_TYPES.attack]: [
    { attackerId: 'thorin', targetId: 'goblin', weaponId: 'longsword', damageDice: '1d8' },
    { attackerId: 'thorin', targetId: 'goblin', weaponId: 'longsword', damageDice: '1d8', rolls: { d20: [20, 1], damage: [8, 8] } },
    { attackerId: 'goblin', targetId: 'thorin', weaponId: 'scimitar', damageDice: '1d6', rolls: { d20: [1, 20], damage: [1, 6] } },
  ],
  [DND5E_INTENT_TYPES.damage]: [{ targetId: 'thorin', amount: 100, type: 'fire', critical: true }, { targetId: 'goblin', amount: 3, type: 'cold' }],
  [DND5E_INTENT_TYPES.heal]: [{ targetId: 'thorin', amount: 5 }],
  [DND5E_INTENT_TYPES.tempHp]: [{ targetId: 'mira', amount: 5 }],
  [DND5E_INTENT_TYPES.condition]: [{ targetId: 'goblin', condition: 'prone', action: 'add' }],
  [DND5E_INTENT_TYPES.deathSave]: [{ actorId: 'thorin' }, { actorId: 'thorin', roll: 1 }],
  [DND5E_INTENT_TYPES.rollInitiative]: [{ tokenIds: ['t-thorin', 't-goblin'] }, { tokenIds: ['t-mira', 't-goblin', 't-thorin'], rolls: [20, 1, 10] }],
  [DND5E_INTENT_TYPES.castAoe]: [
    { casterId: 'mira', spell: 'fireball', x: 1, y: 0 },
    { casterId: 'mira', spell: 'fireball', x: 1, y: 0, slotLevel: 3, rolls: { damage: [1, 2, 3, 4, 5, 6, 1, 2], saves: Array<number>(SAVE_POOL_SIZE).fill(7) } },
    { casterId: 'mira', spell: 'burning-hands', x: 0, y: 0 },
  ],
};

function randomJson(rand: Rand, depth: number): JsonValue {
  const r = int(rand, depth > 0 ? 8 : 5);
  if (r < 4) return pick(rand, WEIRD);
  if (r === 4) return pick(rand, ['attackerId', 'thorin', 'fireball', '1d8', 'prone']);
  if (r < 7) {
    const out: JsonObject = {};
    for (let n = int(rand, 5); n > 0; n--) {
      const key = pick(rand, ['attackerId', 'targetId', 'weaponId', 'damageDice', 'rolls', 'd20', 'damage', 'saves', 'amount', 'type', 'x', 'y', 'spell', 'tokenIds', '__proto__']);
      Object.defineProperty(out, key, { value: randomJson(rand, depth - 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return Array.from({ length: int(rand, 4) }, () => randomJson(rand, depth - 1));
}

function mutate(rand: Rand, value: JsonValue, depth = 0): JsonValue {
  if (value === null || typeof value !== 'object' || rand() < 0.15 || depth > 4) return rand() < 0.7 ? pick(rand, WEIRD) : value;
  if (Array.isArray(value)) {
    const out = [...value];
    const r = rand();
    if (r < 0.3 && out.length > 0) out.splice(int(rand, out.length), 1);
    else if (r < 0.5) out.push(pick(rand, WEIRD));
    else if (out.length > 0) {
      const i = int(rand, out.length);
      out[i] = mutate(rand, out[i]!, depth + 1);
    }
    return out;
  }
  const out: JsonObject = { ...value };
  const keys = Object.keys(out);
  const r = rand();
  if (r < 0.2 && keys.length > 0) delete out[pick(rand, keys)];
  else if (r < 0.3) Object.defineProperty(out, pick(rand, ['extra', '__proto__', 'rolls', 'slotLevel', 'critical']), { value: pick(rand, WEIRD), enumerable: true, writable: true, configurable: true });
  else if (keys.length > 0) {
    const k = pick(rand, keys);
    out[k] = mutate(rand, out[k]!, depth + 1);
  }
  return out;
}

/** Runs an intent the way the server and a predicting client do; anything thrown fails the test. */
function exercise(definition: AnyIntentDefinition, payload: JsonValue, doc: JsonObject, ctx: IntentContext, rand: Rand): boolean {
  const state = createJsonReader(doc);
  const verdict = definition.validate(payload, state, ctx);
  expect(typeof verdict.ok).toBe('boolean');
  // A client predicts with validate + reduce, no prepare.
  const predicted = definition.reduce(event(definition.type, payload, ctx.userId), state);
  if (verdict.ok) applyPatch(doc, predicted);
  const unrolled = definition.prepare !== undefined && !('rolls' in (payload as JsonObject)) && !('roll' in (payload as JsonObject));
  // Nobody knows those dice yet, so a prediction may not touch what they decide.
  if (unrolled) expect(predicted.filter((op) => /\/(hp|deathSaves|dead|stable|conditions)(\/|$)/.test(op.path))).toEqual([]);
  const prepared = definition.prepare ? definition.prepare(payload, rand, ctx) : payload;
  const again = definition.validate(prepared, state, ctx);
  if (!again.ok) return false;
  const patch = definition.reduce(event(definition.type, prepared, ctx.userId, 1), state);
  const after = applyPatch(doc, patch) as JsonObject;
  dnd5ePlugin.isCritical(event(definition.type, prepared, ctx.userId, 1), patch, state);
  // Rules never push HP out of 0..max for an actor that was within it.
  for (const [id, actor] of Object.entries(doc.actors as JsonObject)) {
    const before = ActorSchema.safeParse(actor);
    if (!before.success || before.data.hp.value > before.data.hp.max) continue;
    const now = ActorSchema.safeParse((after.actors as JsonObject)[id]);
    expect(now.success).toBe(true);
    expect(now.data!.hp.value).toBeLessThanOrEqual(now.data!.hp.max);
  }
  return true;
}

describe('fuzz', () => {
  it('[D22] random and mutated payloads yield a schema error or a Validation, never a throw; accepted ones reduce to patches that apply', () => {
    const doc = table({ thorin: thorin({ hp: { value: 0, max: 30, temp: 0 }, conditions: ['unconscious'] }) });
    let applied = 0;
    for (let seed = 1; seed <= 1500; seed++) {
      const rand = seededRandom(seed);
      const type = pick(rand, Object.values(DND5E_INTENT_TYPES));
      let payload: JsonValue = rand() < 0.1 ? randomJson(rand, 3) : pick(rand, SEEDS[type]!);
      for (let n = int(rand, 4); n > 0; n--) payload = mutate(rand, payload);
      const checked = validateIntent(createIntent(type, payload), registry);
      if (!checked.ok) {
        expect(['schema-violation', 'payload-too-large'], `seed ${seed}: ${checked.detail}`).toContain(checked.reason);
        continue;
      }
      for (const ctx of CONTEXTS) if (exercise(registry.get(type)!, checked.payload, doc, ctx, rand)) applied++;
    }
    // The mutations must leave enough payloads valid to exercise the reducers, not just the schemas.
    expect(applied).toBeGreaterThan(300);
  });

  it('[D22] valid payloads against damaged state (free edits) never throw either', () => {
    const base = table();
    for (let seed = 1; seed <= 400; seed++) {
      const rand = seededRandom(10_000 + seed);
      const doc = mutate(rand, mutate(rand, base)) as JsonObject;
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) continue;
      const safe: JsonObject = { ...table(), ...doc };
      for (const root of ['actors', 'tokens', 'scene'] as const) {
        if (safe[root] === null || typeof safe[root] !== 'object' || Array.isArray(safe[root])) safe[root] = {};
      }
      if (!Array.isArray(safe.chat)) safe.chat = [];
      const type = pick(rand, Object.values(DND5E_INTENT_TYPES));
      const payload = pick(rand, SEEDS[type]!);
      exercise(registry.get(type)!, payload, safe, pick(rand, CONTEXTS), rand);
      const state = createJsonReader(safe);
      const intent = createIntent(type, payload);
      expect(['apply', 'reject', 'manual']).toContain(dnd5ePlugin.resolveConflict({ intent, expected: { entity: '/actors/goblin', version: 1 } }, { entity: undefined, version: 2 }, state).kind);
      const change = { event: event(type, payload), patch: [{ op: 'replace' as const, path: '/actors/thorin/hp/value', value: pick(rand, WEIRD) }] };
      expect(typeof dnd5ePlugin.validateStateChange(change, state, GM).ok).toBe('boolean');
      dnd5ePlugin.computeDerivedState(mutate(rand, thorin()) as JsonObject);
    }
  });
});
