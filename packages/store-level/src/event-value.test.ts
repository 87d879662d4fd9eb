import { describe, expect, it } from 'vitest';
import { checkEvent, checkRecord, decodeEventValue, encodeEventValue } from './event-value.ts';

describe('event values', () => {
  it('[L7] round-trip id and bytes', () => {
    for (const id of ['', 'a', '0f8fad5b-d9cb-469f-a165-70867728950e', 'Ünïcødé 🐉']) {
      for (const data of [new Uint8Array(0), Uint8Array.of(0, 0, 0, 4, 255)]) {
        const decoded = decodeEventValue(encodeEventValue(id, data));
        expect(decoded.id).toBe(id);
        expect([...decoded.data]).toEqual([...data]);
      }
    }
  });

  it('[L7] a value too short for its id, or with an id that is not UTF-8, is an error, not a short entry', () => {
    expect(() => decodeEventValue(Uint8Array.of(0, 0, 0))).toThrow(/no id length/);
    expect(() => decodeEventValue(Uint8Array.of(0, 0, 0, 5, 0x61, 0x62))).toThrow(/cannot hold an id of 5 bytes/);
    expect(() => decodeEventValue(Uint8Array.of(0, 0, 0, 1, 0xff))).toThrow(TypeError);
  });

  it('[L7] encoding copies: mutating the input afterwards changes nothing encoded', () => {
    const data = Uint8Array.of(1, 2, 3);
    const value = encodeEventValue('a', data);
    data.fill(9);
    expect([...decodeEventValue(value).data]).toEqual([1, 2, 3]);

    const record = checkRecord({ id: 'r', data: Buffer.from([4, 5]) }, 'rejection');
    expect(Buffer.isBuffer(record.data)).toBe(false);
  });

  it('[S17] invalid entries are TypeError or RangeError, never a duplicate', () => {
    expect(() => checkEvent(null)).toThrow(TypeError);
    expect(() => checkEvent({ sequence: 0, id: 'a', data: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => checkEvent({ sequence: 1, id: 1, data: new Uint8Array(0) })).toThrow(TypeError);
    expect(() => checkEvent({ sequence: 1, id: 'a', data: 'x' })).toThrow(TypeError);
    expect(checkEvent({ sequence: 1, id: 'a', data: new Uint8Array(0), extra: true })).toEqual({
      sequence: 1,
      id: 'a',
      data: new Uint8Array(0),
    });
  });
});
