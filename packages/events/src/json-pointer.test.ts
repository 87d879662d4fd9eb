import { describe, expect, it } from 'vitest';
import { JsonPointerError, formatPointer, isProperPrefix, parseArrayIndex, parsePointer, parsePointerOrUndefined } from './json-pointer.ts';

describe('JSON Pointer', () => {
  it('[EM3] parses the RFC 6901 §5 examples', () => {
    expect(parsePointer('')).toEqual([]);
    expect(parsePointer('/foo')).toEqual(['foo']);
    expect(parsePointer('/foo/0')).toEqual(['foo', '0']);
    expect(parsePointer('/')).toEqual(['']);
    expect(parsePointer('/a~1b')).toEqual(['a/b']);
    expect(parsePointer('/c%d')).toEqual(['c%d']);
    expect(parsePointer('/m~0n')).toEqual(['m~n']);
    expect(parsePointer('/ ')).toEqual([' ']);
    expect(parsePointer('//x/')).toEqual(['', 'x', '']);
  });

  it('[EM3] decodes ~01 as "~1", not "/"', () => {
    expect(parsePointer('/~01')).toEqual(['~1']);
    expect(formatPointer(['~1'])).toBe('/~01');
  });

  it('[EM3] rejects bad escapes and pointers without a leading slash', () => {
    for (const bad of ['foo', '/~', '/~2', '/a~', '#/a']) expect(() => parsePointer(bad), bad).toThrow(JsonPointerError);
    expect(() => parsePointer(5 as unknown as string)).toThrow(JsonPointerError);
  });

  it('[EM3] readers see a malformed pointer as naming nothing', () => {
    for (const bad of ['foo', '/~', '/~2', '#/a']) expect(parsePointerOrUndefined(bad), bad).toBeUndefined();
    expect(parsePointerOrUndefined('/a~1b/0')).toEqual(['a/b', '0']);
    expect(parsePointerOrUndefined('')).toEqual([]);
  });

  it('[EM3] format and parse are inverse', () => {
    const tokens = ['', 'a/b', 'm~n', '~1', '-', '0', 'ü/~'];
    expect(parsePointer(formatPointer(tokens))).toEqual(tokens);
    expect(formatPointer([])).toBe('');
  });

  it('[EM3] array indexes: digits without leading zeros, "-" and length only for insertion', () => {
    expect(parseArrayIndex('0', 3, false)).toBe(0);
    expect(parseArrayIndex('2', 3, false)).toBe(2);
    expect(parseArrayIndex('3', 3, true)).toBe(3);
    expect(parseArrayIndex('-', 3, true)).toBe(3);
    for (const bad of ['3', '-', '01', '-1', '1.0', ' 1', '1e0', '', '+1', '99999999999999999999']) {
      expect(() => parseArrayIndex(bad, 3, false), bad).toThrow(JsonPointerError);
    }
    expect(() => parseArrayIndex('4', 3, true)).toThrow(JsonPointerError);
  });

  it('[EM3] isProperPrefix compares whole tokens', () => {
    expect(isProperPrefix(['a'], ['a', 'b'])).toBe(true);
    expect(isProperPrefix(['a'], ['a'])).toBe(false);
    expect(isProperPrefix(['a'], ['ab'])).toBe(false);
    expect(isProperPrefix([], ['x'])).toBe(true);
  });
});
