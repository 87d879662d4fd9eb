import { pluginIntentType } from '@dungeon-lab/plugin-api';

export const DND5E_PLUGIN_ID = 'dnd5e';

/** Full intent types (`plugin:dnd5e:<name>`), by short name. */
export const DND5E_INTENT_TYPES = {
  attack: pluginIntentType(DND5E_PLUGIN_ID, 'attack'),
  damage: pluginIntentType(DND5E_PLUGIN_ID, 'damage'),
  heal: pluginIntentType(DND5E_PLUGIN_ID, 'heal'),
  tempHp: pluginIntentType(DND5E_PLUGIN_ID, 'temp-hp'),
  castAoe: pluginIntentType(DND5E_PLUGIN_ID, 'cast-aoe'),
  condition: pluginIntentType(DND5E_PLUGIN_ID, 'condition'),
  deathSave: pluginIntentType(DND5E_PLUGIN_ID, 'death-save'),
  rollInitiative: pluginIntentType(DND5E_PLUGIN_ID, 'roll-initiative'),
} as const;
