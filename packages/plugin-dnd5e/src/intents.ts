import type { AnyIntentDefinition } from '@dungeon-lab/events';
import { attackIntent } from './attack-intent.ts';
import { castAoeIntent } from './cast-aoe-intent.ts';
import { conditionIntent } from './condition-intent.ts';
import { damageIntent } from './damage-intent.ts';
import { deathSaveIntent } from './death-save-intent.ts';
import { healIntent } from './heal-intent.ts';
import { rollInitiativeIntent } from './initiative-intent.ts';
import { tempHpIntent } from './temp-hp-intent.ts';

/** Every intent of the plugin, for a session's registry. */
export const DND5E_INTENTS: readonly AnyIntentDefinition[] = [attackIntent, damageIntent, healIntent, tempHpIntent, castAoeIntent, conditionIntent, deathSaveIntent, rollInitiativeIntent];

export function dnd5eIntent(type: string): AnyIntentDefinition | undefined {
  return DND5E_INTENTS.find((d) => d.type === type);
}
