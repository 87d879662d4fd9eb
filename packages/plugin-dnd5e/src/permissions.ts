import { type IntentContext, type Validation, invalid } from '@dungeon-lab/events';
import { isGm } from '@dungeon-lab/plugin-api';
import { RejectReason } from '@dungeon-lab/protocol';
import type { Actor } from './actor.ts';

/** A player acts only with actors they own; the GM with any ([D2]). */
export function controlProblem(actor: Actor, actorId: string, ctx: IntentContext): Validation | undefined {
  if (isGm(ctx) || (actor.ownerId !== undefined && actor.ownerId === ctx.userId)) return undefined;
  return invalid(RejectReason.PermissionDenied, `${ctx.userId} does not control ${actor.name} (${actorId})`);
}

/** GM-only intents ([D2]): players deal damage only through attacks and spells. */
export function gmOnlyProblem(ctx: IntentContext, what: string): Validation | undefined {
  return isGm(ctx) ? undefined : invalid(RejectReason.PermissionDenied, `only the GM may ${what}`);
}
