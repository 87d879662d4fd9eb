import { describe, expect, it } from 'vitest';
import { decodeRowValue, encodeRowValue } from './row-value.ts';

describe('row values', () => {
  it('[L4] round-trip kind and bytes', () => {
    for (const kind of ['update', 'snapshot'] as const) {
      for (const data of [new Uint8Array(0), Uint8Array.of(0, 0x75, 0x73, 255)]) {
        const decoded = decodeRowValue(encodeRowValue(kind, data));
        expect(decoded.kind).toBe(kind);
        expect([...decoded.data]).toEqual([...data]);
      }
    }
  });

  it('[L4] an unknown or missing kind byte is an error, not a skipped row', () => {
    expect(() => decodeRowValue(Uint8Array.of(0x78, 1, 2))).toThrow(/kind byte 0x78/);
    expect(() => decodeRowValue(new Uint8Array(0))).toThrow(/no kind byte/);
  });
});
