import type { JsonPatchOp } from './json-patch-types.ts';
import type { JsonObject } from './json.ts';
import type { StateReader } from './reducer.ts';
import {
  actorIdOf,
  actorPointer,
  asObject,
  tokenPointer,
  TokenVisibilityPayloadSchema,
  type TokenVisibilityPayload,
  tokenVisibilityIntent,
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
 */
export const tokenRevealIntent = tokenVisibilityIntent(TOKEN_REVEAL_TYPE, 'reveals', {
  refusal(tokenId, table, gm) {
    const pointer = tokenPointer(tokenId);
    if (asObject(gm.get(pointer)) === undefined) return `no hidden token "${tokenId}"`;
    if (table.get(pointer) !== undefined) return `token "${tokenId}" is already on the table`;
    return null;
  },
  patches(tokenId, table, gm) {
    const token = asObject(gm.get(tokenPointer(tokenId)));
    if (token === undefined) return undefined;
    const onTable: JsonPatchOp[] = [{ op: 'add', path: tokenPointer(tokenId), value: withoutVersion(token) }];
    const hidden: JsonPatchOp[] = [{ op: 'remove', path: tokenPointer(tokenId) }];
    const actor = hiddenActorOf(token, table, gm);
    if (actor !== undefined) {
      onTable.push({ op: 'add', path: actorPointer(actor.id), value: withoutVersion(actor.actor) });
      hidden.push({ op: 'remove', path: actorPointer(actor.id) });
    }
    return { table: onTable, gm: hidden };
  },
});
