import { describe, expect, it } from 'vitest';
import { decodeJwtClaims } from './jwt-claims.ts';

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const jwt = (payload: unknown) => `${b64url({ alg: 'HS256' })}.${b64url(payload)}.sig`;

describe('decodeJwtClaims', () => {
  it('[EQ10] reads sub, name and exp without verifying, UTF-8 included', () => {
    expect(decodeJwtClaims(jwt({ sub: 'dev-abc', exp: 1767225600, name: 'Mira', role: 'gm' }))).toEqual({ sub: 'dev-abc', exp: 1767225600, name: 'Mira' });
    expect(decodeJwtClaims(jwt({ sub: 'zoë-ñ' }))).toEqual({ sub: 'zoë-ñ' });
    expect(decodeJwtClaims(jwt({ exp: 5 }))).toEqual({ exp: 5 });
  });

  it('answers null for anything that is not a JWT with an object payload', () => {
    for (const token of ['', 'abc', 'a.b', 'a.b.c.d', `x.${b64url('not json')}.s`, `x.${b64url([1])}.s`, 'x.@@@.s', `x.${b64url('null')}.s`]) {
      expect(decodeJwtClaims(token)).toBeNull();
    }
    // Claims of the wrong type are left out rather than trusted.
    expect(decodeJwtClaims(jwt({ sub: 42, exp: 'soon', name: 7 }))).toEqual({});
    expect(decodeJwtClaims(jwt({ sub: '' }))).toEqual({});
  });
});
