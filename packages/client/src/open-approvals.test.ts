import type { ApprovalRequest } from '@dungeon-lab/events';
import { describe, expect, it } from 'vitest';
import { OpenApprovals } from './open-approvals.ts';

function request(sequence: number): ApprovalRequest {
  return {
    entry: {
      event: {
        id: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
        sequence,
        timestamp: 1,
        type: 'plugin:x:finish',
        payload: {},
        userId: 'bob',
        sessionId: 's',
        checksum: `sha256:${'0'.repeat(64)}`,
      },
      status: 'awaiting-approval',
      patch: [],
    },
    summary: `request ${sequence}`,
    current: {},
  };
}

const seqs = (a: OpenApprovals) => a.value.get().map((r) => r.entry.event.sequence);

describe('OpenApprovals', () => {
  it('[EQ14] keeps open requests by sequence; repeats refresh, decisions remove for good', () => {
    const a = new OpenApprovals();
    a.add([request(5), request(3)]);
    a.add([request(3)]);
    expect(seqs(a)).toEqual([3, 5]);
    a.resolve(3);
    a.add([request(3)]);
    expect(seqs(a)).toEqual([5]);
    expect(a.add([{ nonsense: true }]).malformed).toHaveLength(1);
    expect(seqs(a)).toEqual([5]);
  });

  it('[EQ14] a snapshot replaces the list, keeps what arrived while it was fetched, and never revives a decided one', () => {
    const a = new OpenApprovals();
    a.add([request(1), request(2)]);
    const marker = a.beginSnapshot();
    a.add([request(7)]);
    a.resolve(4);
    a.replace(marker, [request(2), request(4)]);
    expect(seqs(a)).toEqual([2, 7]);
    // A snapshot that an even later one overtook is ignored.
    const old = a.beginSnapshot();
    const newer = a.beginSnapshot();
    a.replace(newer, [request(9)]);
    a.replace(old, [request(1)]);
    expect(seqs(a)).toEqual([9]);
    a.clear();
    expect(seqs(a)).toEqual([]);
  });
});
