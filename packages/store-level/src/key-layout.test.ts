import { describe, expect, it } from 'vitest';
import { docPrefix, docRange, rowIdOfKey, rowKey } from './key-layout.ts';

const NAMES = [
  '',
  'a',
  'ab',
  'a/b',
  'a!b',
  'a\u0000',
  'a\u0000b',
  '\u00ff',
  '\u00e9',
  'e\u0301',
  'Ünïcødé 🐉',
  'x'.repeat(300),
];
const IDS = ['', '0', '018f3a2b4c5d-00000001-000000000001', 'zzzz', '\u{10ffff}'];

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  return key.byteLength >= prefix.byteLength && prefix.every((b, i) => key[i] === b);
}

function inRange(key: Uint8Array, range: { gte: Uint8Array; lt: Uint8Array }): boolean {
  return Buffer.compare(key, range.gte) >= 0 && Buffer.compare(key, range.lt) < 0;
}

describe('key layout', () => {
  it('[L1] no document prefix is a prefix of another document prefix', () => {
    for (const a of NAMES) {
      for (const b of NAMES) {
        if (a === b) continue;
        expect(startsWith(docPrefix(a), docPrefix(b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(false);
      }
    }
  });

  it('[L1] a row key lies in its own document range and in no other', () => {
    for (const name of NAMES) {
      for (const id of IDS) {
        const key = rowKey(docPrefix(name), id);
        for (const other of NAMES) {
          const where = `${JSON.stringify(name)}/${id} in ${JSON.stringify(other)}`;
          expect(inRange(key, docRange(docPrefix(other))), where).toBe(other === name);
        }
        expect(rowIdOfKey(docPrefix(name), key)).toBe(id);
      }
    }
  });

  it('[L1] names that would collide after UTF-8 encoding (lone surrogates) are refused', () => {
    expect(() => docPrefix('\ud800')).toThrow(TypeError);
    expect(() => docPrefix('a\udc09')).toThrow(TypeError);
    expect(() => docPrefix('🐉')).not.toThrow();
  });
});
