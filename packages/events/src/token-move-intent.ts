import { RejectReason } from '@dungeon-lab/protocol';
import { z } from 'zod';
import type { JsonPatchOp } from './json-patch-types.ts';
import { formatPointer } from './json-pointer.ts';
import { type IntentDefinition, type StateReader, invalid, valid } from './reducer.ts';

export const TokenMovePayloadSchema = z.strictObject({
  tokenId: z.string().min(1).max(200),
  // z.number() rejects NaN and ±Infinity in zod 4.
  x: z.number(),
  y: z.number(),
});
export type TokenMovePayload = z.infer<typeof TokenMovePayloadSchema>;

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bound(state: StateReader, pointer: string): number | undefined {
  const value = state.get(pointer);
  return typeof value === 'number' ? value : undefined;
}

/**
 * `token:move` ([EM15]): sets `/tokens/{id}/x` and `/y`. The token must exist;
 * when the scene has a numeric `/scene/width` or `/scene/height`, the position
 * must lie within [0, width] × [0, height].
 */
export const tokenMoveIntent: IntentDefinition<TokenMovePayload> = {
  type: 'token:move',
  payload: TokenMovePayloadSchema,
  maxPayloadBytes: 1024,
  validate({ tokenId, x, y }, state) {
    if (!isObject(state.get(formatPointer(['tokens', tokenId])))) return invalid(RejectReason.RuleViolation, `no token "${tokenId}"`);
    const width = bound(state, '/scene/width');
    if (width !== undefined && (x < 0 || x > width)) return invalid(RejectReason.RuleViolation, `x ${x} is outside the scene (0–${width})`);
    const height = bound(state, '/scene/height');
    if (height !== undefined && (y < 0 || y > height)) return invalid(RejectReason.RuleViolation, `y ${y} is outside the scene (0–${height})`);
    return valid;
  },
  reduce({ payload: { tokenId, x, y } }, state) {
    // replace where the coordinate exists; add for a token that never had one, since replace would fail there.
    const set = (key: 'x' | 'y', value: number): JsonPatchOp => {
      const path = formatPointer(['tokens', tokenId, key]);
      return state.get(path) === undefined ? { op: 'add', path, value } : { op: 'replace', path, value };
    };
    return [set('x', x), set('y', y)];
  },
};
