import { describe, expect, it } from 'vitest';
import { approvalResolveIntent } from './approval-resolve-intent.ts';
import type { StateReader } from './reducer.ts';

const state: StateReader = { get: () => undefined };
const ctx = (role?: 'gm' | 'player') => ({ userId: 'u', sessionId: 's', timestamp: 0, ...(role ? { role } : {}) });

describe('approval:resolve', () => {
  it('[EM18] only a GM may resolve; a player or an unknown role is refused', () => {
    const payload = { sequence: 3, decision: 'approve' as const };
    expect(approvalResolveIntent.validate(payload, state, ctx('gm'))).toEqual({ ok: true });
    expect(approvalResolveIntent.validate(payload, state, ctx('player'))).toMatchObject({ ok: false, reason: 'permission-denied' });
    expect(approvalResolveIntent.validate(payload, state, ctx())).toMatchObject({ ok: false, reason: 'permission-denied' });
  });

  it('[EM18] a denial needs a reason and carries no patch', () => {
    expect(approvalResolveIntent.validate({ sequence: 1, decision: 'deny' }, state, ctx('gm'))).toMatchObject({ ok: false });
    expect(
      approvalResolveIntent.validate({ sequence: 1, decision: 'deny', reason: 'no', patch: [] }, state, ctx('gm')),
    ).toMatchObject({ ok: false });
    expect(approvalResolveIntent.validate({ sequence: 1, decision: 'deny', reason: 'the cleric got there' }, state, ctx('gm'))).toEqual({ ok: true });
    expect(approvalResolveIntent.payload.safeParse({ sequence: 0, decision: 'approve' }).success).toBe(false);
  });
});
