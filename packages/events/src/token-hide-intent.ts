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

export const TOKEN_HIDE_TYPE = 'token:hide';

export const TokenHidePayloadSchema = TokenVisibilityPayloadSchema;
export type TokenHidePayload = TokenVisibilityPayload;

/**
 * The actor that leaves the table with a token: the one its `actorId` names,
 * unless another token on the table still names it (a character with a
 * second token in play stays public) or the GM document already holds an
 * entry under that id (the GM's own notes on it, which a move would
 * overwrite and a later reveal would publish).
 */
function actorLeavingWith(tokenId: string, token: JsonObject, table: StateReader, gm: StateReader): { id: string; actor: JsonObject } | undefined {
  const id = actorIdOf(token);
  if (id === undefined) return undefined;
  const actor = asObject(table.get(actorPointer(id)));
  if (actor === undefined || gm.get(actorPointer(id)) !== undefined) return undefined;
  const tokens = asObject(table.get('/tokens')) ?? {};
  const namedElsewhere = Object.entries(tokens).some(([other, value]) => other !== tokenId && asObject(value)?.actorId === id);
  return namedElsewhere ? undefined : { id, actor };
}

/**
 * `token:hide` ([EM23]), GM only: the inverse of `token:reveal`. Moves
 * `/tokens/{id}` from the table into the GM document — and the actor it
 * names, when nothing else on the table needs that actor — in ONE logged
 * event: the table patch removes, the GM patch adds ([EL16]). The entry is
 * for everyone and carries nothing a player has not seen: the token was on
 * the table until then. From then on it lives in the GM document, where the
 * GM moves it with free edits no player receives.
 *
 * No client predicts it: the move spans two documents and a prediction could
 * show only its half on the table (the token gone, nowhere else), so `reduce`
 * is empty and the server uses `effects`, which reads the GM document.
 */
export const tokenHideIntent: IntentDefinition<TokenHidePayload> = {
  type: TOKEN_HIDE_TYPE,
  payload: TokenHidePayloadSchema,
  maxPayloadBytes: 1024,
  priority: true,
  validate({ tokenId }, state, ctx) {
    if (ctx.role !== 'gm') return invalid(RejectReason.PermissionDenied, 'only a GM hides tokens');
    // A GM client without the GM doc cannot check more; the server always can.
    if (ctx.gm === undefined) return valid;
    const pointer = tokenPointer(tokenId);
    if (asObject(state.get(pointer)) === undefined) return invalid(RejectReason.RuleViolation, `no token "${tokenId}" on the table`);
    if (ctx.gm.get(pointer) !== undefined) return invalid(RejectReason.RuleViolation, `a hidden token "${tokenId}" exists already`);
    return valid;
  },
  reduce: () => [],
  effects({ payload: { tokenId } }, state, gm): IntentEffects {
    const token = asObject(state.get(tokenPointer(tokenId)));
    // validate refused this already; an empty effect is the safe answer if it is ever reached.
    if (gm === undefined || token === undefined) return { table: [], audience: 'gm' };
    const table: JsonPatchOp[] = [{ op: 'remove', path: tokenPointer(tokenId) }];
    const hidden: JsonPatchOp[] = [{ op: 'add', path: tokenPointer(tokenId), value: withoutVersion(token) }];
    const actor = actorLeavingWith(tokenId, token, state, gm);
    if (actor !== undefined) {
      table.push({ op: 'remove', path: actorPointer(actor.id) });
      hidden.push({ op: 'add', path: actorPointer(actor.id), value: withoutVersion(actor.actor) });
    }
    return { table, gm: hidden, audience: 'all' };
  },
};
