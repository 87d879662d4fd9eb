import { describe, expect, it } from 'vitest';
import { ActorSchema } from './actor.ts';
import { BESTIARY, CHARACTER_TEMPLATES } from './bestiary.ts';
import { deriveActor } from './derived-state.ts';

/** The SRD 5.1 stat blocks' printed attacks: what the rules must derive from the stored scores. */
const PRINTED: Record<string, Record<string, [toHit: number, damage: string]>> = {
  goblin: { scimitar: [4, '1d6+2'], shortbow: [4, '1d6+2'] },
  bandit: { scimitar: [3, '1d6+1'], crossbow: [3, '1d8+1'] },
  skeleton: { shortsword: [4, '1d6+2'], shortbow: [4, '1d6+2'] },
  zombie: { slam: [3, '1d6+1'] },
  wolf: { bite: [4, '2d4+2'] },
  orc: { greataxe: [5, '1d12+3'], javelin: [5, '1d6+3'] },
  bugbear: { morningstar: [4, '2d8+2'], javelin: [4, '1d6+2'] },
  'giant-spider': { bite: [5, '1d8+3'] },
  ogre: { greatclub: [6, '2d8+4'], javelin: [6, '2d6+4'] },
};

describe('bestiary', () => {
  it('[D1] has at least eight creatures, every one a valid actor the rules can read', () => {
    expect(BESTIARY.length).toBeGreaterThanOrEqual(8);
    expect(new Set(BESTIARY.map((b) => b.id)).size).toBe(BESTIARY.length);
    for (const entry of BESTIARY) {
      const parsed = ActorSchema.safeParse(entry.actor);
      expect(parsed.success, `${entry.id}: ${parsed.error?.message}`).toBe(true);
      expect(parsed.data!.kind).toBe('npc');
      expect(parsed.data!.ownerId).toBeUndefined();
    }
  });

  it('[D4] derives each creature’s printed attack bonus and damage from its scores', () => {
    for (const entry of BESTIARY) {
      const derived = deriveActor(ActorSchema.parse(entry.actor));
      const printed = PRINTED[entry.id];
      expect(printed, `printed attacks of ${entry.id}`).toBeDefined();
      const attacks = Object.fromEntries(Object.entries(derived.attacks).map(([id, a]) => [id, [a.toHit, a.damage]]));
      expect(attacks, entry.id).toEqual(printed);
    }
  });

  it('[D1] character templates are valid characters without name or owner', () => {
    for (const template of CHARACTER_TEMPLATES) {
      const parsed = ActorSchema.safeParse({ ...template.actor, name: 'Test', ownerId: 'u1' });
      expect(parsed.success, `${template.id}: ${parsed.error?.message}`).toBe(true);
      expect(parsed.data!.kind).toBe('character');
      expect(template.actor).not.toHaveProperty('name');
      expect(template.actor).not.toHaveProperty('ownerId');
    }
  });
});
