import { describe, expect, it } from 'vitest';
import { createJsonReader } from './json-reader.ts';

describe('createJsonReader', () => {
  it('[EM9] reads own members and array elements by pointer; anything else is undefined', () => {
    const value = { tokens: { t1: { x: 1 } }, chat: ['a', { text: 'b' }], 'a/b': { '~': 0 } };
    const reader = createJsonReader(value);
    expect(reader.get('/tokens/t1/x')).toBe(1);
    expect(reader.get('/chat/1/text')).toBe('b');
    expect(reader.get('/a~1b/~0')).toBe(0);
    expect(reader.get('')).toBe(value);
    for (const absent of ['/tokens/t2', '/chat/2', '/chat/-', '/chat/01', '/tokens/toString', '/tokens/t1/x/y', 'x', '/~9']) {
      expect(reader.get(absent), absent).toBeUndefined();
    }
  });
});
