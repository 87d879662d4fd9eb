import type { JsonObject } from '@dungeon-lab/events';
import type { GameSystemPlugin } from '@dungeon-lab/plugin-api';
import { parseActor } from './actor.ts';
import { resolveConflict } from './conflicts.ts';
import { isCriticalEvent } from './critical.ts';
import { deriveActor } from './derived-state.ts';
import { DND5E_PLUGIN_ID } from './ids.ts';
import { DND5E_INTENTS } from './intents.ts';
import { createStateEvent } from './state-events.ts';
import { validateStateChange } from './state-change.ts';

/** The D&D 5e game system (docs/plugins.md). Pure: the same object runs on the server and in browsers. */
export const dnd5ePlugin: GameSystemPlugin = {
  id: DND5E_PLUGIN_ID,
  name: 'D&D 5th Edition',
  version: '0.1.0',
  intents: DND5E_INTENTS,
  createStateEvent,
  validateStateChange,
  resolveConflict,
  computeDerivedState(actor): JsonObject {
    // Typed as an object, but UIs hand in whatever the doc holds: stay total.
    const name = actor !== null && typeof actor === 'object' && typeof actor.name === 'string' ? actor.name : 'actor';
    const read = parseActor(actor, name);
    if (!read.ok) return { valid: false, problem: read.problem };
    // Derived5e is plain JSON by construction; the cast only widens its type.
    return { valid: true, ...(deriveActor(read.actor) as unknown as JsonObject) };
  },
  isCritical: isCriticalEvent,
};
