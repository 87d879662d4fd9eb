import { describe, expect, it } from 'vitest';
import { docPrefix, docRange, EPOCH_KEY, rowKey } from './key-layout.ts';
import {
  idOfKey,
  checkpointKey,
  checkpointRange,
  decodeSequence,
  encodeSequence,
  entryKey,
  entryRange,
  idIndexKey,
  logPrefix,
  rejectionKey,
  sequenceOfEntryKey,
} from './log-key-layout.ts';
import type { KeyRange } from './key-layout.ts';

const NAMES = ['', 'a', 'ab', 'a/b', 'a\u0000', 'a\u0000b', '\u00e9', 'e\u0301', 'Ünïcødé 🐉', 'x'.repeat(300)];
const IDS = ['', 'a', 'ab', '0f8fad5b-d9cb-469f-a165-70867728950e', '\u0000', '\u{10ffff}'];
const SEQUENCES = [0, 1, 2, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1];

function inRange(key: Uint8Array, range: KeyRange): boolean {
  return Buffer.compare(key, range.gte) >= 0 && Buffer.compare(key, range.lt) < 0;
}

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  return key.byteLength >= prefix.byteLength && prefix.every((b, i) => key[i] === b);
}

/** Every key a log can hold, labelled by what it is. */
function keysOf(log: string): [string, Uint8Array][] {
  const prefix = logPrefix(log);
  return [
    ...SEQUENCES.slice(1).map((s): [string, Uint8Array] => [`entry ${s}`, entryKey(prefix, s)]),
    ...IDS.flatMap((id): [string, Uint8Array][] => [
      [`index ${id}`, idIndexKey(prefix, id)],
      [`rejection ${id}`, rejectionKey(prefix, id)],
      [`checkpoint ${id}`, checkpointKey(prefix, id)],
    ]),
  ];
}

describe('event log key layout', () => {
  it('[L5] sequence keys sort in numeric order', () => {
    const prefix = logPrefix('log');
    const keys = SEQUENCES.map((s) => entryKey(prefix, s));
    const sorted = [...keys].sort(Buffer.compare);
    expect(sorted.map((k) => sequenceOfEntryKey(prefix, k))).toEqual(SEQUENCES);
  });

  it('[L5] sequences are 8 bytes big-endian and refuse anything that is not a non-negative safe integer', () => {
    expect([...encodeSequence(258)]).toEqual([0, 0, 0, 0, 0, 0, 1, 2]);
    for (const s of SEQUENCES) expect(decodeSequence(encodeSequence(s))).toBe(s);
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) expect(() => encodeSequence(bad)).toThrow(RangeError);
    expect(() => decodeSequence(new Uint8Array(7))).toThrow(/8 bytes/);
    expect(() => decodeSequence(Uint8Array.of(0, 0x20, 0, 0, 0, 0, 0, 0))).toThrow(/safe integers/);
  });

  it('[L5] no log prefix is a prefix of another log prefix, nor of any document or meta key', () => {
    for (const a of NAMES) {
      for (const b of NAMES) {
        if (a === b) continue;
        expect(startsWith(logPrefix(a), logPrefix(b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(false);
      }
      expect(startsWith(logPrefix(a), docPrefix(a))).toBe(false);
      expect(startsWith(docPrefix(a), logPrefix(a))).toBe(false);
      expect(startsWith(EPOCH_KEY, logPrefix(a))).toBe(false);
    }
  });

  it('[L5] every key of a log lies in its own ranges only: not in another log, kind or document', () => {
    for (const log of NAMES) {
      for (const [what, key] of keysOf(log)) {
        for (const other of NAMES) {
          const where = `${what} of ${JSON.stringify(log)} vs ${JSON.stringify(other)}`;
          const otherPrefix = logPrefix(other);
          const mine = other === log;
          expect(inRange(key, entryRange(otherPrefix)), `${where}: entries`).toBe(mine && what.startsWith('entry'));
          expect(inRange(key, checkpointRange(otherPrefix)), `${where}: checkpoints`).toBe(
            mine && what.startsWith('checkpoint'),
          );
          expect(inRange(key, docRange(docPrefix(other))), `${where}: document`).toBe(false);
        }
      }
    }
    // And no document row falls into a log's ranges.
    const row = rowKey(docPrefix('log'), '0f-1-1');
    expect(inRange(row, entryRange(logPrefix('log')))).toBe(false);
    expect(inRange(row, checkpointRange(logPrefix('log')))).toBe(false);
  });

  it('[L5] entryRange(from) starts at the sequence from, and at the first entry for from ≤ 0', () => {
    const prefix = logPrefix('log');
    expect(inRange(entryKey(prefix, 4), entryRange(prefix, 5))).toBe(false);
    expect(inRange(entryKey(prefix, 5), entryRange(prefix, 5))).toBe(true);
    expect(inRange(entryKey(prefix, 2 ** 53 - 1), entryRange(prefix, 5))).toBe(true);
    expect(inRange(entryKey(prefix, 1), entryRange(prefix, -10))).toBe(true);
  });

  it('[L5] checkpoint ids round-trip through their key', () => {
    const prefix = logPrefix('a/b');
    for (const id of IDS) expect(idOfKey(prefix, checkpointKey(prefix, id))).toBe(id);
  });

  it('[L5] log names and ids with lone surrogates are refused, since UTF-8 would merge them', () => {
    expect(() => logPrefix('\ud800')).toThrow(TypeError);
    const prefix = logPrefix('log');
    expect(() => idIndexKey(prefix, 'a\udc00')).toThrow(TypeError);
    expect(() => rejectionKey(prefix, '\ud83d')).toThrow(TypeError);
    expect(() => checkpointKey(prefix, '\udfff')).toThrow(TypeError);
    expect(() => idIndexKey(prefix, '🐉')).not.toThrow();
  });
});
