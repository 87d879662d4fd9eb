import type { JsonPatchOp } from './json-patch-types.ts';
import type { JsonObject } from './json.ts';
import type { StateReader } from './reducer.ts';
import { actorIdOf, actorPointer, asObject, tokenPointer, tokenVisibilityIntent, withoutVersion } from './token-visibility.ts';

export const TOKEN_HIDE_TYPE = 'token:hide';

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
 */
export const tokenHideIntent = tokenVisibilityIntent(TOKEN_HIDE_TYPE, 'hides', {
  refusal(tokenId, table, gm) {
    const pointer = tokenPointer(tokenId);
    if (asObject(table.get(pointer)) === undefined) return `no token "${tokenId}" on the table`;
    if (gm.get(pointer) !== undefined) return `a hidden token "${tokenId}" exists already`;
    return null;
  },
  patches(tokenId, table, gm) {
    const token = asObject(table.get(tokenPointer(tokenId)));
    if (token === undefined) return undefined;
    const onTable: JsonPatchOp[] = [{ op: 'remove', path: tokenPointer(tokenId) }];
    const hidden: JsonPatchOp[] = [{ op: 'add', path: tokenPointer(tokenId), value: withoutVersion(token) }];
    const actor = actorLeavingWith(tokenId, token, table, gm);
    if (actor !== undefined) {
      onTable.push({ op: 'remove', path: actorPointer(actor.id) });
      hidden.push({ op: 'add', path: actorPointer(actor.id), value: withoutVersion(actor.actor) });
    }
    return { table: onTable, gm: hidden };
  },
});
