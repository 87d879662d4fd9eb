import { describe, expect, it } from 'vitest';
import { AuditLog, type AuditEntry } from './audit-log.ts';

const entry = (sequence: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  sequence,
  id: `e${sequence}`,
  type: 'chat:message',
  userId: 'u',
  payload: { text: String(sequence) },
  status: 'applied',
  source: 'live',
  ...extra,
});

describe('AuditLog', () => {
  it('[EQ17] orders by sequence whatever the arrival order, and publishes once per batch', () => {
    const log = new AuditLog();
    const published: number[][] = [];
    log.value.subscribe((entries) => published.push(entries.map((e) => e.sequence)));
    for (const s of [4, 1, 3]) log.record(entry(s));
    log.publish();
    log.publish();
    log.record(entry(2));
    log.publish();
    expect(published).toEqual([
      [1, 3, 4],
      [1, 2, 3, 4],
    ]);
  });

  it('[EQ17] keeps the last `limit` entries; older ones arriving late are not let in', () => {
    const log = new AuditLog(3);
    for (const s of [1, 2, 3, 4, 5]) log.record(entry(s));
    log.record(entry(1));
    log.publish();
    expect(log.value.get().map((e) => e.sequence)).toEqual([3, 4, 5]);
  });

  it('[EQ17] a full entry replaces what an ack told; a decision sticks even if an older copy comes later', () => {
    const log = new AuditLog();
    log.record(entry(1, { source: 'ack', status: 'awaiting-approval' }));
    log.record(entry(1, { source: 'catch-up', status: 'awaiting-approval', timestamp: 9 }));
    log.record(entry(1, { source: 'ack' }));
    log.resolve(1, 'denied', { reason: 'no', resolvedBy: 'gm' });
    log.record(entry(1, { source: 'live', status: 'awaiting-approval' }));
    log.resolve(7, 'approved', {});
    log.publish();
    expect(log.value.get()).toEqual([entry(1, { source: 'live', status: 'denied', reason: 'no', resolvedBy: 'gm' })]);
    log.dropAbove(0);
    log.publish();
    expect(log.value.get()).toEqual([]);
  });
});
