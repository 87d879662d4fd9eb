import { approvalResolveIntent } from './approval-resolve-intent.ts';
import { chatMessageIntent } from './chat-message-intent.ts';
import { diceRollIntent } from './dice-roll-intent.ts';
import { IntentRegistry, type AnyIntentDefinition } from './registry.ts';
import { tokenHideIntent } from './token-hide-intent.ts';
import { tokenMoveIntent } from './token-move-intent.ts';
import { tokenRevealIntent } from './token-reveal-intent.ts';

/** The intents every session has without any game-system plugin. */
export const CORE_INTENTS: readonly AnyIntentDefinition[] = [
  chatMessageIntent,
  diceRollIntent,
  tokenMoveIntent,
  approvalResolveIntent,
  tokenRevealIntent,
  tokenHideIntent,
];

/** A registry with the core intents plus `extra` (e.g. a game system's); throws on a duplicate type. */
export function createIntentRegistry(extra: readonly AnyIntentDefinition[] = []): IntentRegistry {
  return new IntentRegistry([...CORE_INTENTS, ...extra]);
}
