import { describe, expect, it } from 'vitest';
import { CanonicalJsonError, canonicalJson, payloadBytes, payloadChecksum } from './canonical-json.ts';
import type { JsonValue } from './json.ts';

describe('canonicalJson', () => {
  it('[EM1] sorts keys recursively and writes no whitespace', () => {
    expect(canonicalJson({ b: [3, { z: 1, a: null }], a: 'x', c: true })).toBe('{"a":"x","b":[3,{"a":null,"z":1}],"c":true}');
  });

  it('[EM1] sorts by UTF-16 code units (RFC 8785 §3.2.3 example)', () => {
    const value = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    expect(canonicalJson(value)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('[EM1] prints numbers as ECMAScript does (RFC 8785 appendix values)', () => {
    const cases: [number, string][] = [
      // Written as text: the literal itself has more digits than a double holds.
      [Number('333333333.33333329'), '333333333.3333333'],
      [1e30, '1e+30'],
      [4.5, '4.5'],
      [2e-3, '0.002'],
      [0.000000000000000000000000001, '1e-27'],
      [1e21, '1e+21'],
      [-0, '0'],
      [9007199254740991, '9007199254740991'],
    ];
    for (const [n, text] of cases) expect(canonicalJson(n)).toBe(text);
  });

  it('[EM1] rejects non-finite numbers and non-JSON values', () => {
    for (const bad of [NaN, Infinity, -Infinity, undefined, () => 1, new Date(0), Symbol('s'), 1n]) {
      expect(() => canonicalJson(bad as unknown as JsonValue)).toThrow(CanonicalJsonError);
      expect(() => canonicalJson({ a: [bad] } as unknown as JsonValue)).toThrow(CanonicalJsonError);
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic as JsonValue)).toThrow(CanonicalJsonError);
  });

  it('[EM1] keeps a __proto__ key as data', () => {
    const value = JSON.parse('{"__proto__":{"x":1},"a":2}') as JsonValue;
    expect(canonicalJson(value)).toBe('{"__proto__":{"x":1},"a":2}');
  });

  it('[EM1] escapes lone surrogates so the text is valid UTF-16', () => {
    expect(canonicalJson('\ud800')).toBe('"\\ud800"');
  });
});

describe('payloadChecksum', () => {
  it('[EM2] is sha256 of the UTF-8 canonical text (known vectors)', () => {
    // Vectors from `printf '%s' '<canonical text>' | sha256sum`.
    expect(payloadChecksum({ b: 1, a: 'x' })).toBe('sha256:cdab067e9f3beb32d1252cfd63e492592fecbf591b0d08cadb24bb17f3864246');
    expect(payloadChecksum('abc')).toBe('sha256:6cc43f858fbb763301637b5af970e2a46b46f461f27e5a0f41e009c59b827b25');
    expect(payloadChecksum({})).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    expect(payloadChecksum(null)).toBe('sha256:74234e98afe7498fb5daf1f36ac2d78acc339464f950703b8c019892f982b90b');
    expect(payloadChecksum({ text: 'héllo 🎲' })).toBe('sha256:1c81119c41b517d3a6fc850c5d5fae06d463a943932adf57ced7d12ad6316a6b');
  });

  it('[EM2] does not depend on key insertion order', () => {
    const a = { x: { p: 1, q: [1, 2, { m: 'n', l: 'k' }] }, y: 'z' };
    const b = { y: 'z', x: { q: [1, 2, { l: 'k', m: 'n' }], p: 1 } };
    expect(payloadChecksum(a)).toBe(payloadChecksum(b));
    expect(payloadChecksum(a)).not.toBe(payloadChecksum({ ...b, y: 'Z' }));
  });

  it('[EM2] payloadBytes counts UTF-8 bytes of the canonical text', () => {
    expect(payloadBytes({ b: 1, a: 'x' })).toBe(15);
    expect(payloadBytes('é')).toBe(4);
    expect(payloadBytes('🎲')).toBe(6);
  });
});
