import { RejectReason } from '@dungeon-lab/protocol';
import type { JsonPatchOp } from './json-patch-types.ts';
import type { JsonObject } from './json.ts';
import { type IntentDefinition, type IntentEffects, type StateReader, invalid, valid } from './reducer.ts';
import {
  actorIdOf,
  actorPointer,
  asObject,
  tokenPointer,
  TokenVisibilityPayloadSchema,
  type TokenVisibilityPayload,
  withoutVersion,
} from './token-visibility.ts';

export const TOKEN_REVEAL_TYPE = 'token:reveal';

export const TokenRevealPayloadSchema = TokenVisibilityPayloadSchema;
export type TokenRevealPayload = TokenVisibilityPayload;

/** The actor a hidden token names, when it too is hidden (in the GM doc and not on the table). */
function hiddenActorOf(token: JsonObject, table: StateReader, gm: StateReader): { id: string; actor: JsonObject } | undefined {
  const id = actorIdOf(token);
  if (id === undefined) return undefined;
  const pointer = actorPointer(id);
  const actor = asObject(gm.get(pointer));
  if (actor === undefined || table.get(pointer) !== undefined) return undefined;
  return { id, actor };
}

/**
 * `token:reveal` ([EM20]), GM only: moves `/tokens/{id}` — and the actor it
 * names in `actorId`, if that actor is hidden too — from the GM document
 * onto the table in ONE logged event: the table patch adds them, the GM patch
 * removes them ([EL16]). Until then nothing of the token is in the table doc
 * or in any log entry a player can read. The entry is for everyone: the
 * token is public from that moment on.
 *
 * Clients cannot predict it (a player never saw the token), so `reduce` is
 * empty and the server uses `effects`, which reads the GM document.
 */
export const tokenRevealIntent: IntentDefinition<TokenRevealPayload> = {
  type: TOKEN_REVEAL_TYPE,
  payload: TokenRevealPayloadSchema,
  maxPayloadBytes: 1024,
  priority: true,
  validate({ tokenId }, state, ctx) {
    if (ctx.role !== 'gm') return invalid(RejectReason.PermissionDenied, 'only a GM reveals tokens');
    // A GM client without the GM doc cannot check more; the server always can.
    if (ctx.gm === undefined) return valid;
    const pointer = tokenPointer(tokenId);
    if (asObject(ctx.gm.get(pointer)) === undefined) return invalid(RejectReason.RuleViolation, `no hidden token "${tokenId}"`);
    if (state.get(pointer) !== undefined) return invalid(RejectReason.RuleViolation, `token "${tokenId}" is already on the table`);
    return valid;
  },
  reduce: () => [],
  effects({ payload: { tokenId } }, state, gm): IntentEffects {
    const token = gm === undefined ? undefined : asObject(gm.get(tokenPointer(tokenId)));
    // validate refused this already; an empty effect is the safe answer if it is ever reached.
    if (gm === undefined || token === undefined) return { table: [], audience: 'gm' };
    const table: JsonPatchOp[] = [{ op: 'add', path: tokenPointer(tokenId), value: withoutVersion(token) }];
    const hidden: JsonPatchOp[] = [{ op: 'remove', path: tokenPointer(tokenId) }];
    const actor = hiddenActorOf(token, state, gm);
    if (actor !== undefined) {
      table.push({ op: 'add', path: actorPointer(actor.id), value: withoutVersion(actor.actor) });
      hidden.push({ op: 'remove', path: actorPointer(actor.id) });
    }
    return { table, gm: hidden, audience: 'all' };
  },
};
