/**
 * What revealing and hiding a token share ([EM20], [EM23]): both are GM-only
 * intents that move an entity between the table document and the GM
 * document in one logged event ([EL16]), read entities as plain objects, and
 * leave the version counter of the document they come from behind — the
 * destination counts afresh ([EL6]).
 */
import { RejectReason } from '@dungeon-lab/protocol';
import { z } from 'zod';
import { ENTITY_VERSION_KEY } from './doc-schema.ts';
import type { JsonPatchOp } from './json-patch-types.ts';
import { formatPointer } from './json-pointer.ts';
import type { JsonObject, JsonValue } from './json.ts';
import { type IntentDefinition, invalid, type StateReader, valid } from './reducer.ts';

export const TokenVisibilityPayloadSchema = z.strictObject({
  tokenId: z.string().min(1).max(200),
});
export type TokenVisibilityPayload = z.infer<typeof TokenVisibilityPayloadSchema>;

export function asObject(value: JsonValue | undefined): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

/** The entity as it goes into the other document, without its version counter. */
export function withoutVersion(entity: JsonObject): JsonObject {
  const { [ENTITY_VERSION_KEY]: _version, ...rest } = entity;
  return rest;
}

export const tokenPointer = (id: string): string => formatPointer(['tokens', id]);
export const actorPointer = (id: string): string => formatPointer(['actors', id]);

/** The actor id a token names in `actorId`, if it names one. */
export function actorIdOf(token: JsonObject): string | undefined {
  const id = token.actorId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** What one direction of the move decides, with the table and the GM document at hand. */
export interface TokenMoveRules {
  /** Why the token cannot move (it is not where it comes from, or something holds its place where it goes), or null. */
  refusal(tokenId: string, table: StateReader, gm: StateReader): string | null;
  /** The move as patches of both documents; undefined when there is nothing to move (`refusal` said so). */
  patches(tokenId: string, table: StateReader, gm: StateReader): { table: JsonPatchOp[]; gm: JsonPatchOp[] } | undefined;
}

/**
 * A token-visibility intent: payload `{ tokenId }`, GM only
 * (`permission-denied` for anyone else, saying `only a GM <verb> tokens`),
 * then `rules.refusal` as a `rule-violation`. Its entry is for everyone: it
 * carries only what the table shows before or after. No client predicts it:
 * the move spans two documents and a player never saw the hidden side, so
 * `reduce` is empty and the server uses `effects`, which reads the GM doc.
 */
export function tokenVisibilityIntent(type: string, verb: string, rules: TokenMoveRules): IntentDefinition<TokenVisibilityPayload> {
  return {
    type,
    payload: TokenVisibilityPayloadSchema,
    maxPayloadBytes: 1024,
    priority: true,
    validate({ tokenId }, state, ctx) {
      if (ctx.role !== 'gm') return invalid(RejectReason.PermissionDenied, `only a GM ${verb} tokens`);
      // A GM client without the GM doc cannot check more; the server always can.
      if (ctx.gm === undefined) return valid;
      const refusal = rules.refusal(tokenId, state, ctx.gm);
      return refusal === null ? valid : invalid(RejectReason.RuleViolation, refusal);
    },
    reduce: () => [],
    effects({ payload: { tokenId } }, state, gm) {
      const moved = gm === undefined ? undefined : rules.patches(tokenId, state, gm);
      // validate refused this already; an empty effect is the safe answer if it is ever reached.
      if (moved === undefined) return { table: [], audience: 'gm' };
      return { ...moved, audience: 'all' };
    },
  };
}
