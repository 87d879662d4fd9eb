/**
 * What revealing and hiding a token share ([EM20], [EM23]): both move an
 * entity between the table document and the GM document, so both read
 * entities as plain objects and leave the version counter of the document
 * they come from behind — the destination counts afresh ([EL6]).
 */
import { z } from 'zod';
import { ENTITY_VERSION_KEY } from './doc-schema.ts';
import { formatPointer } from './json-pointer.ts';
import type { JsonObject, JsonValue } from './json.ts';

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
