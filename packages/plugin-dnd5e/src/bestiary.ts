import type { JsonObject } from '@dungeon-lab/events';

/**
 * Creatures a GM can put on the table without typing a stat block: the
 * System Reference Document 5.1's numbers (CC BY 4.0, Wizards of the Coast),
 * in this plugin's actor shape ([D1]). Only what the rules here read is
 * kept; a creature's other traits (a spider's poison, a zombie's
 * fortitude) are the GM's to adjudicate.
 */
export interface BestiaryEntry {
  readonly id: string;
  readonly name: string;
  /** Challenge rating as printed (`1/4`). */
  readonly challenge: string;
  /** Squares a side its token covers: 1 Medium or Small, 2 Large. */
  readonly size: 1 | 2;
  /** The actor to store, without an owner: a monster is GM-run. */
  readonly actor: JsonObject;
}

type Abilities = readonly [str: number, dex: number, con: number, int: number, wis: number, cha: number];

function abilities([str, dex, con, int, wis, cha]: Abilities): JsonObject {
  return { str, dex, con, int, wis, cha };
}

function monster(name: string, ac: number, hp: number, scores: Abilities, weapons: JsonObject, extra: JsonObject = {}): JsonObject {
  return { name, kind: 'npc', ac, hp: { value: hp, max: hp, temp: 0 }, abilities: abilities(scores), proficiency: 2, weapons, ...extra };
}

const shortbow = { name: 'Shortbow', kind: 'ranged', attackAbility: 'dex', damage: '1d6', damageType: 'piercing', range: { normal: 80, long: 320 } };
const javelin = (damage: string) => ({ name: 'Javelin', kind: 'ranged', attackAbility: 'str', damage, damageType: 'piercing', range: { normal: 30, long: 120 } });

export const BESTIARY: readonly BestiaryEntry[] = [
  {
    id: 'goblin',
    name: 'Goblin',
    challenge: '1/4',
    size: 1,
    actor: monster('Goblin', 15, 7, [8, 14, 10, 10, 8, 8], {
      scimitar: { name: 'Scimitar', attackAbility: 'finesse', damage: '1d6', damageType: 'slashing' },
      shortbow,
    }),
  },
  {
    id: 'bandit',
    name: 'Bandit',
    challenge: '1/8',
    size: 1,
    actor: monster('Bandit', 12, 11, [11, 12, 12, 10, 10, 10], {
      scimitar: { name: 'Scimitar', attackAbility: 'finesse', damage: '1d6', damageType: 'slashing' },
      crossbow: { name: 'Light crossbow', kind: 'ranged', attackAbility: 'dex', damage: '1d8', damageType: 'piercing', range: { normal: 80, long: 320 } },
    }),
  },
  {
    id: 'skeleton',
    name: 'Skeleton',
    challenge: '1/4',
    size: 1,
    actor: monster(
      'Skeleton',
      13,
      13,
      [10, 14, 15, 6, 8, 5],
      { shortsword: { name: 'Shortsword', attackAbility: 'finesse', damage: '1d6', damageType: 'piercing' }, shortbow },
      { vulnerabilities: ['bludgeoning'], immunities: ['poison'] },
    ),
  },
  {
    id: 'zombie',
    name: 'Zombie',
    challenge: '1/4',
    size: 1,
    actor: monster(
      'Zombie',
      8,
      22,
      [13, 6, 16, 3, 6, 5],
      { slam: { name: 'Slam', attackAbility: 'str', damage: '1d6', damageType: 'bludgeoning' } },
      { immunities: ['poison'], saves: ['wis'], speed: 20 },
    ),
  },
  {
    id: 'wolf',
    name: 'Wolf',
    challenge: '1/4',
    size: 1,
    actor: monster('Wolf', 13, 11, [12, 15, 12, 3, 12, 6], { bite: { name: 'Bite', attackAbility: 'finesse', damage: '2d4', damageType: 'piercing' } }, { speed: 40 }),
  },
  {
    id: 'orc',
    name: 'Orc',
    challenge: '1/2',
    size: 1,
    actor: monster('Orc', 13, 15, [16, 12, 16, 7, 11, 10], {
      greataxe: { name: 'Greataxe', attackAbility: 'str', damage: '1d12', damageType: 'slashing' },
      javelin: javelin('1d6'),
    }),
  },
  {
    id: 'bugbear',
    name: 'Bugbear',
    challenge: '1',
    size: 1,
    actor: monster('Bugbear', 16, 27, [15, 14, 13, 8, 11, 9], {
      morningstar: { name: 'Morningstar', attackAbility: 'str', damage: '2d8', damageType: 'piercing' },
      javelin: javelin('1d6'),
    }),
  },
  {
    id: 'giant-spider',
    name: 'Giant Spider',
    challenge: '1',
    size: 2,
    actor: monster('Giant Spider', 14, 26, [14, 16, 12, 2, 11, 4], { bite: { name: 'Bite', attackAbility: 'finesse', damage: '1d8', damageType: 'piercing' } }),
  },
  {
    id: 'ogre',
    name: 'Ogre',
    challenge: '2',
    size: 2,
    actor: monster('Ogre', 11, 59, [19, 8, 16, 5, 7, 7], { greatclub: { name: 'Greatclub', attackAbility: 'str', damage: '2d8', damageType: 'bludgeoning' }, javelin: javelin('2d6') }, { speed: 40 }),
  },
];

/** A first-level character a GM can hand to a player, to be renamed; the player's sheet starts from it. */
export interface CharacterTemplate {
  readonly id: string;
  readonly label: string;
  /** The actor without name and owner. */
  readonly actor: JsonObject;
}

function character(ac: number, hp: number, scores: Abilities, saves: readonly string[], weapons: JsonObject, extra: JsonObject = {}): JsonObject {
  return {
    kind: 'character',
    ac,
    hp: { value: hp, max: hp, temp: 0 },
    abilities: abilities(scores),
    proficiency: 2,
    saves: [...saves],
    deathSaves: { successes: 0, failures: 0 },
    weapons,
    ...extra,
  };
}

export const CHARACTER_TEMPLATES: readonly CharacterTemplate[] = [
  {
    id: 'fighter',
    label: 'Fighter',
    actor: character(18, 12, [16, 12, 14, 8, 10, 10], ['str', 'con'], {
      longsword: { name: 'Longsword', attackAbility: 'str', damage: '1d8', damageType: 'slashing' },
      longbow: { name: 'Longbow', kind: 'ranged', attackAbility: 'dex', damage: '1d8', damageType: 'piercing', range: { normal: 150, long: 600 } },
    }),
  },
  {
    id: 'rogue',
    label: 'Rogue',
    actor: character(14, 9, [8, 16, 12, 12, 10, 14], ['dex', 'int'], {
      rapier: { name: 'Rapier', attackAbility: 'finesse', damage: '1d8', damageType: 'piercing' },
      shortbow: { ...shortbow },
    }),
  },
  {
    id: 'wizard',
    label: 'Wizard',
    actor: character(
      12,
      8,
      [8, 14, 12, 16, 12, 10],
      ['int', 'wis'],
      { dagger: { name: 'Dagger', attackAbility: 'finesse', damage: '1d4', damageType: 'piercing' } },
      { spellcastingAbility: 'int', spells: ['burning-hands'], spellSlots: { '1': { max: 2, used: 0 } } },
    ),
  },
  {
    id: 'cleric',
    label: 'Cleric',
    actor: character(
      18,
      10,
      [14, 10, 14, 10, 16, 12],
      ['wis', 'cha'],
      { mace: { name: 'Mace', attackAbility: 'str', damage: '1d6', damageType: 'bludgeoning' } },
      { spellcastingAbility: 'wis', spellSlots: { '1': { max: 2, used: 0 } } },
    ),
  },
];
