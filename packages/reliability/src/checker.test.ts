/** The checks of the sync fuzz fail on what they exist to catch (a checker that cannot fail proves nothing). */
import type { LoggedEvent } from '@dungeon-lab/client';
import { APPROVAL_RESOLVE_TYPE } from '@dungeon-lab/events';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { checkChat, checkLog, checkSaved, compareDocs, coversAndEquals, docState } from './checker.ts';
import { emptyAcknowledgements } from './fuzz-client.ts';

const SCHEMA = { scene: 'map' } as const;

function entry(sequence: number, id: string, status: LoggedEvent['status'] = 'applied', type = 'chat:message', payload: unknown = {}): LoggedEvent {
  return { sequence, id, status, type, payload, userId: 'u', sessionId: 's', timestamp: 0, checksum: 'x' } as LoggedEvent;
}

function docWith(clientID: number, edits: Record<string, number>): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  for (const [k, v] of Object.entries(edits)) doc.getMap('scene').set(k, v);
  return doc;
}

describe('sync fuzz checker', () => {
  it('[NL3] a gap, a repeated intent, an acked intent missing or moved, a rejected one logged, a decision misreported: each is a failure', () => {
    const acks = emptyAcknowledgements();
    acks.acked.push({ client: 'p1', id: 'a', type: 'chat:message', sequence: 1, status: 'applied' });
    acks.acked.push({ client: 'p1', id: 'lost', type: 'chat:message', sequence: 2, status: 'applied' });
    acks.acked.push({ client: 'p1', id: 'b', type: 'chat:message', sequence: 9, status: 'applied' });
    acks.acked.push({ client: 'gm', id: 'r', type: APPROVAL_RESOLVE_TYPE, sequence: 3, status: 'applied', decides: 7 });
    acks.rejected.push({ client: 'p1', id: 'no', type: 'chat:message', reason: 'rule-violation' });
    const failures: string[] = [];
    const lost = checkLog(acks, [entry(1, 'a'), entry(3, 'b'), entry(3, 'a'), entry(5, 'no')], failures);
    expect(lost).toBe(2);
    expect(failures.join('\n')).toMatch(/expected 2 \(a gap or a repeat\)/);
    expect(failures.join('\n')).toMatch(/intent a is logged 2 times/);
    expect(failures.join('\n')).toMatch(/lost .* not in the log/);
    expect(failures.join('\n')).toMatch(/b was acked at 9, logged at 3/);
    expect(failures.join('\n')).toMatch(/no \(chat:message\) was rejected .* yet is logged/);
    expect(failures.join('\n')).toMatch(/decision on #7 was acked at 3/);

    const clean: string[] = [];
    expect(checkLog(emptyAcknowledgements(), [entry(1, 'a'), entry(2, 'x', 'approved', 'plugin:fz:finish'), entry(3, 'y', 'applied', APPROVAL_RESOLVE_TYPE, { sequence: 2 })], clean)).toBe(0);
    expect(clean).toEqual([]);
  });

  it('[NL2] a `saved` the final document does not cover is a lost update', () => {
    const acks = emptyAcknowledgements();
    acks.saved.push({ client: 'p1', doc: 'table', stateVector: new Map([[5, 3]]) });
    const server = docState(docWith(5, { a: 1, b: 2 }), SCHEMA);
    const failures: string[] = [];
    expect(checkSaved(acks, new Map([['table', server]]), failures)).toBe(1);
    expect(failures[0]).toMatch(/saved up to 5:3, the server ends at 2/);
  });

  it('[NL1][NL6] documents differing in state vector or content, or a reload missing updates, are failures', () => {
    const a = docState(docWith(1, { k: 1 }), SCHEMA);
    const failures: string[] = [];
    compareDocs('x', a, docState(docWith(2, { k: 1 }), SCHEMA), failures);
    compareDocs('y', a, docState(docWith(1, { k: 2 }), SCHEMA), failures);
    coversAndEquals('z', docState(new Y.Doc(), SCHEMA), a, failures);
    expect(failures).toHaveLength(3);
    expect(failures[0]).toMatch(/^x: state vectors differ/);
    expect(failures[1]).toMatch(/^y: same state vector, different content/);
    expect(failures[2]).toMatch(/^z: lost updates/);
  });

  it('[NL3] a chat entry shown twice, one never logged, one logged but not shown: each is a failure', () => {
    const failures: string[] = [];
    checkChat([entry(1, 'a'), entry(2, 'b')], [{ id: 'a' }, { id: 'a' }, { id: 'ghost' }], failures);
    expect(failures).toEqual([
      'table: chat entry a is there 2 times',
      'table: chat entry ghost is not an applied entry of the log',
      'table: the log applied chat b, the table does not show it',
    ]);
  });
});
