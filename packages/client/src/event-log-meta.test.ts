import { createIntent } from '@dungeon-lab/events';
import { describe, expect, it } from 'vitest';
import { parseIntents, parseLastSequence, serializeIntents } from './event-log-meta.ts';
import type { StoredIntent } from './event-queue.ts';

describe('event-log metadata', () => {
  it('[EQ1] round-trips the stored queue', () => {
    const stored: StoredIntent[] = [
      { intent: createIntent('chat:message', { text: 'hi' }), priority: true, createdAt: 5, sentFloor: 3 },
      {
        intent: createIntent('token:move', { tokenId: 't', x: 1, y: 2 }, { expected: { entity: '/tokens/t', version: 4 } }),
        priority: false,
        createdAt: 6,
        sentFloor: null,
      },
      { intent: createIntent('chat:message', { text: 'dying' }), priority: true, createdAt: 7, sentFloor: 2, approvalSequence: 3 },
    ];
    expect(parseIntents(serializeIntents(stored))).toEqual(stored);
  });

  it('drops what it cannot read instead of failing the client', () => {
    const good: StoredIntent = { intent: createIntent('chat:message', { text: 'ok' }), priority: false, createdAt: 1, sentFloor: null };
    const raw = JSON.stringify({ v: 1, intents: [good, { intent: { id: 'x' } }, null, { ...good, sentFloor: -1 }, { ...good, approvalSequence: 0 }] });
    expect(parseIntents(raw)).toEqual([good]);
    expect(parseIntents('{not json')).toEqual([]);
    expect(parseIntents('null')).toEqual([]);
    expect(parseIntents(JSON.stringify({ v: 2, intents: [good] }))).toEqual([]);
    expect(parseIntents(undefined)).toEqual([]);
    expect(parseLastSequence('12')).toBe(12);
    expect(parseLastSequence('-1')).toBeNull();
    expect(parseLastSequence(undefined)).toBeNull();
  });
});
