import { describe, expect, it } from 'vitest';
import type { JsonObject } from '@dungeon-lab/events';
import { feedOf, parseCommand } from './feed.ts';

describe('chat commands', () => {
  it('reads /roll and /r with a label, /gmroll and /gr in secret, and plain text as chat', () => {
    expect(parseCommand('/roll 2d20kh1+5 Perception')).toEqual({ kind: 'roll', notation: '2d20kh1+5', label: 'Perception', secret: false });
    expect(parseCommand('/r d20')).toEqual({ kind: 'roll', notation: 'd20', secret: false });
    expect(parseCommand('/GMROLL 1d20+3 Stealth of the goblins')).toEqual({ kind: 'roll', notation: '1d20+3', label: 'Stealth of the goblins', secret: true });
    expect(parseCommand('/gr 4d6')).toEqual({ kind: 'roll', notation: '4d6', secret: true });
    expect(parseCommand('  hello there ')).toEqual({ kind: 'chat', text: 'hello there' });
    expect(parseCommand('   ')).toBeNull();
    expect(parseCommand('/roll')).toMatchObject({ kind: 'error' });
    expect(parseCommand('/dance')).toMatchObject({ kind: 'error', message: expect.stringContaining('/dance') });
  });
});

describe('feed', () => {
  it('merges chat, table rolls and secret rolls in sequence order, pending entries last', () => {
    const table: JsonObject = {
      chat: [
        { id: 'c2', userId: 'u1', text: 'second', timestamp: 20, sequence: 4 },
        { id: 'c9', userId: 'u1', text: 'pending', timestamp: 5 },
        { id: 'c1', userId: 'u2', text: 'first', timestamp: 10, sequence: 1 },
      ],
      dice: [{ id: 'd1', userId: 'u2', notation: '2d20kh1', total: 17, modifier: 0, rolls: [{ dice: 2, sides: 20, sign: 1, rolls: [4, 17], kept: [1] }], timestamp: 15, sequence: 2 }, 'junk'],
    };
    const gmDice = [{ id: 's1', userId: 'gm', notation: 'd20', pending: true, timestamp: 30 }];
    const feed = feedOf(table, gmDice);
    expect(feed.map((e) => e.id)).toEqual(['c1', 'd1', 'c2', 'c9', 's1']);
    expect(feed[1]).toMatchObject({ kind: 'roll', total: 17, terms: [{ rolls: [4, 17], kept: [1] }], secret: false });
    expect(feed[4]).toMatchObject({ kind: 'roll', total: null, secret: true });
  });
});
