import { RejectReason } from '@dungeon-lab/protocol';
import { z } from 'zod';
import { JsonPatchOpSchema } from './json-patch-types.ts';
import { type IntentDefinition, invalid, valid } from './reducer.ts';

export const APPROVAL_RESOLVE_TYPE = 'approval:resolve';

export const ApprovalDecisionPayloadSchema = z.strictObject({
  /** The sequence of the critical intent being decided. */
  sequence: z.number().int().positive(),
  decision: z.enum(['approve', 'deny']),
  /** Shown to the requester; required when denying. */
  reason: z.string().max(1000).optional(),
  /** Edit-then-approve: the effect to apply instead of the predicted one (validated by the game system). */
  patch: z.array(JsonPatchOpSchema).max(200).optional(),
});
export type ApprovalDecisionPayload = z.infer<typeof ApprovalDecisionPayloadSchema>;

/**
 * `approval:resolve` ([EM18]): the GM's decision on a critical intent. Only a
 * GM may submit it. Its effect is not computed here: the server takes the
 * pending entry from its approval queue, re-validates it against the state at
 * that moment and applies the (possibly edited) patch, so `reduce` is empty
 * and clients predict nothing for it.
 */
export const approvalResolveIntent: IntentDefinition<ApprovalDecisionPayload> = {
  type: APPROVAL_RESOLVE_TYPE,
  payload: ApprovalDecisionPayloadSchema,
  maxPayloadBytes: 64 * 1024,
  priority: true,
  validate(payload, _state, ctx) {
    if (ctx.role !== 'gm') return invalid(RejectReason.PermissionDenied, 'only a GM may resolve approvals');
    if (payload.decision === 'deny' && !payload.reason?.trim()) return invalid(RejectReason.SchemaViolation, 'a denial needs a reason');
    if (payload.decision === 'deny' && payload.patch !== undefined) return invalid(RejectReason.SchemaViolation, 'a denial carries no patch');
    return valid;
  },
  reduce: () => [],
};
