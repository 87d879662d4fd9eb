import type { IntentContext } from '@dungeon-lab/events';

/** Whether the caller is the session's GM. An absent role counts as a player, so rules fail closed. */
export function isGm(ctx: Pick<IntentContext, 'role'>): boolean {
  return ctx.role === 'gm';
}
