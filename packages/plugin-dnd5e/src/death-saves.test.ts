import { describe, expect, it } from 'vitest';
import { ActorSchema } from './actor.ts';
import { rollDeathSave } from './death-saves.ts';
import { thorin } from './table.fixture.ts';

const dying = (successes = 0, failures = 0) => ActorSchema.parse(thorin({ hp: { value: 0, max: 30, temp: 0 }, conditions: ['unconscious', 'prone'], deathSaves: { successes, failures } }));

describe('death saves', () => {
  it('[D14] 10 or more succeeds, less fails, a natural 1 is two failures', () => {
    expect(rollDeathSave(dying(), 10)).toMatchObject({ outcome: 'success', actor: { deathSaves: { successes: 1, failures: 0 } } });
    expect(rollDeathSave(dying(), 9)).toMatchObject({ outcome: 'failure', actor: { deathSaves: { successes: 0, failures: 1 } } });
    expect(rollDeathSave(dying(), 1)).toMatchObject({ outcome: 'two-failures', actor: { deathSaves: { failures: 2 } } });
  });

  it('[D14] a natural 20 regains 1 HP: conscious, saves reset, still prone', () => {
    const r = rollDeathSave(dying(2, 2), 20);
    expect(r.outcome).toBe('revived');
    expect(r.actor).toMatchObject({ hp: { value: 1 }, deathSaves: { successes: 0, failures: 0 }, conditions: ['prone'], stable: false });
  });

  it('[D14] the third success stabilises (saves reset); the third failure kills', () => {
    expect(rollDeathSave(dying(2, 2), 15)).toMatchObject({ outcome: 'stable', actor: { stable: true, deathSaves: { successes: 0, failures: 0 }, dead: false } });
    expect(rollDeathSave(dying(2, 2), 5)).toMatchObject({ outcome: 'dead', actor: { dead: true, deathSaves: { failures: 3 } } });
    expect(rollDeathSave(dying(0, 2), 1)).toMatchObject({ outcome: 'dead', actor: { dead: true, deathSaves: { failures: 3 } } });
  });
});
