import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.ts';
import { deepFreeze, randomJson, randomPatch, seededRandom } from './fuzz.fixture.ts';
import { JsonPatchError, type JsonPatchOp } from './json-patch-types.ts';
import { applyPatch } from './json-patch.ts';
import { parseArrayIndex, parsePointer } from './json-pointer.ts';
import type { JsonObject, JsonValue } from './json.ts';

const ok = (doc: JsonValue, ops: JsonPatchOp[]) => applyPatch(deepFreeze(doc), deepFreeze(ops));
const fails = (doc: JsonValue, ops: unknown[]) => expect(() => applyPatch(deepFreeze(doc), deepFreeze(ops) as JsonPatchOp[])).toThrow(JsonPatchError);

describe('applyPatch: RFC 6902 appendix A', () => {
  it('[EM4] A.1 adding an object member', () => {
    expect(ok({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }])).toEqual({ baz: 'qux', foo: 'bar' });
  });
  it('[EM4] A.2 adding an array element', () => {
    expect(ok({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }])).toEqual({ foo: ['bar', 'qux', 'baz'] });
  });
  it('[EM4] A.3 removing an object member', () => {
    expect(ok({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }])).toEqual({ foo: 'bar' });
  });
  it('[EM4] A.4 removing an array element', () => {
    expect(ok({ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }])).toEqual({ foo: ['bar', 'baz'] });
  });
  it('[EM4] A.5 replacing a value', () => {
    expect(ok({ baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }])).toEqual({ baz: 'boo', foo: 'bar' });
  });
  it('[EM4] A.6 moving a value', () => {
    const doc = { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } };
    expect(ok(doc, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }])).toEqual({
      foo: { bar: 'baz' },
      qux: { corge: 'grault', thud: 'fred' },
    });
  });
  it('[EM4] A.7 moving an array element', () => {
    expect(ok({ foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }])).toEqual({
      foo: ['all', 'cows', 'eat', 'grass'],
    });
  });
  it('[EM4] A.8 testing a value: success', () => {
    const doc = { baz: 'qux', foo: ['a', 2, 'c'] };
    expect(ok(doc, [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }])).toBe(doc);
  });
  it('[EM4] A.9 testing a value: error', () => {
    fails({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]);
  });
  it('[EM4] A.10 adding a nested member object', () => {
    expect(ok({ foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }])).toEqual({ foo: 'bar', child: { grandchild: {} } });
  });
  it('[EM4] A.11 ignoring unrecognized elements', () => {
    const op = JSON.parse('{ "op": "add", "path": "/baz", "value": "qux", "xyz": 123 }') as JsonPatchOp;
    expect(ok({ foo: 'bar' }, [op])).toEqual({ foo: 'bar', baz: 'qux' });
  });
  it('[EM4] A.12 adding to a nonexistent target', () => {
    fails({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }]);
  });
  it('[EM4] A.13 invalid patch document: after JSON.parse the last "op" wins, and remove of a missing member fails', () => {
    fails({ foo: 'bar' }, JSON.parse('[{ "op": "add", "path": "/baz", "value": "qux", "op": "remove" }]') as unknown[]);
  });
  it('[EM4] A.14 ~ escape ordering', () => {
    const doc = { '/': 9, '~1': 10 };
    expect(ok(doc, [{ op: 'test', path: '/~01', value: 10 }])).toEqual({ '/': 9, '~1': 10 });
  });
  it('[EM4] A.15 comparing strings and numbers', () => {
    fails({ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }]);
  });
  it('[EM4] A.16 adding an array value', () => {
    expect(ok({ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }])).toEqual({ foo: ['bar', ['abc', 'def']] });
  });
});

describe('applyPatch: edge rules', () => {
  it('[EM4] add on arrays accepts index = length and "-", nothing beyond', () => {
    expect(ok([1, 2], [{ op: 'add', path: '/2', value: 3 }])).toEqual([1, 2, 3]);
    expect(ok([], [{ op: 'add', path: '/-', value: 1 }])).toEqual([1]);
    fails([1, 2], [{ op: 'add', path: '/3', value: 3 }]);
    fails([1, 2], [{ op: 'add', path: '/01', value: 3 }]);
  });

  it('[EM4] "-" names no element for remove, replace, test, move or copy sources', () => {
    fails([1], [{ op: 'remove', path: '/-' }]);
    fails([1], [{ op: 'replace', path: '/-', value: 2 }]);
    fails([1], [{ op: 'test', path: '/-', value: 1 }]);
    fails([1], [{ op: 'copy', from: '/-', path: '/0' }]);
    fails([1], [{ op: 'replace', path: '/1', value: 2 }]);
  });

  it('[EM4] test compares deeply: key order is irrelevant, array order and types are not', () => {
    const doc = { a: { x: [1, { p: null, q: 'r' }], y: true } };
    ok(doc, [{ op: 'test', path: '/a', value: { y: true, x: [1, { q: 'r', p: null }] } }]);
    fails(doc, [{ op: 'test', path: '/a/x', value: [{ p: null, q: 'r' }, 1] }]);
    fails(doc, [{ op: 'test', path: '/a', value: { x: [1, { p: null, q: 'r' }] } }]);
    fails(doc, [{ op: 'test', path: '/a/y', value: 1 }]);
    fails(doc, [{ op: 'test', path: '/a/x/1/p', value: {} }]);
    fails(doc, [{ op: 'test', path: '/a/missing', value: null }]);
    ok({ n: 1 }, [{ op: 'test', path: '/n', value: 1.0 }]);
  });

  it('[EM4] move may not put a value into its own child; moving onto itself is a no-op', () => {
    fails({ a: { b: {} } }, [{ op: 'move', from: '/a', path: '/a/b/c' }]);
    fails({ a: { b: {} } }, [{ op: 'move', from: '', path: '/a' }]);
    const doc = { a: { b: 1 } };
    expect(ok(doc, [{ op: 'move', from: '/a', path: '/a' }])).toEqual(doc);
    fails(doc, [{ op: 'move', from: '/zzz', path: '/zzz' }]);
    // "/ab" is not inside "/a": prefixes compare whole tokens.
    expect(ok({ a: 1 }, [{ op: 'move', from: '/a', path: '/ab' }])).toEqual({ ab: 1 });
  });

  it('[EM4] the whole document can be replaced, added or tested but not removed', () => {
    expect(ok({ a: 1 }, [{ op: 'replace', path: '', value: [1] }])).toEqual([1]);
    expect(ok({ a: 1 }, [{ op: 'add', path: '', value: 'x' }])).toBe('x');
    expect(ok({ a: { b: 2 } }, [{ op: 'move', from: '/a', path: '' }])).toEqual({ b: 2 });
    expect(ok({ a: 1 }, [{ op: 'copy', from: '', path: '/self' }])).toEqual({ a: 1, self: { a: 1 } });
    fails({ a: 1 }, [{ op: 'remove', path: '' }]);
    fails(5, [{ op: 'add', path: '/a', value: 1 }]);
  });

  it('[EM4] is atomic: a failing op leaves no partial result and the input untouched', () => {
    const doc = { a: [1, 2], b: { c: 1 } };
    const before = canonicalJson(doc);
    fails(doc, [
      { op: 'add', path: '/a/-', value: 3 },
      { op: 'remove', path: '/b/c' },
      { op: 'test', path: '/b/c', value: 1 },
    ]);
    expect(canonicalJson(doc)).toBe(before);
  });

  it('[EM4] shares untouched subtrees and copies only the changed path', () => {
    const doc = { big: { list: [1, 2, 3] }, edit: { deep: { n: 1 }, other: { m: 2 } } } as const;
    const out = ok(doc as unknown as JsonValue, [{ op: 'replace', path: '/edit/deep/n', value: 5 }]) as JsonObject;
    expect(out.big).toBe(doc.big);
    expect((out.edit as JsonObject).other).toBe(doc.edit.other);
    expect(out.edit).not.toBe(doc.edit);
    expect(out).toEqual({ big: { list: [1, 2, 3] }, edit: { deep: { n: 5 }, other: { m: 2 } } });
  });

  it('[EM4] a copy is independent of its source, and op values are never mutated', () => {
    const value = { y: { z: 1 } };
    const out = ok({}, [
      { op: 'add', path: '/x', value },
      { op: 'copy', from: '/x', path: '/w' },
      { op: 'replace', path: '/w/y/z', value: 2 },
      { op: 'add', path: '/x/y/q', value: true },
    ]);
    expect(out).toEqual({ x: { y: { z: 1, q: true } }, w: { y: { z: 2 } } });
    expect(value).toEqual({ y: { z: 1 } });
  });

  it('[EM4] member names are own keys only: __proto__ and toString are ordinary names', () => {
    fails({}, [{ op: 'test', path: '/toString', value: null }]);
    fails({}, [{ op: 'remove', path: '/constructor' }]);
    const out = ok({}, [{ op: 'add', path: '/__proto__', value: { polluted: true } }]) as JsonObject;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('[EM4] malformed operations are JsonPatchErrors', () => {
    for (const bad of [
      null,
      'add',
      [],
      { op: 'frobnicate', path: '/a' },
      { op: 'add', path: '/a' },
      { op: 'add', path: 'a', value: 1 },
      { op: 'add', path: '/~2', value: 1 },
      { op: 'add', path: 7, value: 1 },
      { op: 'move', path: '/a' },
      { op: 'add', path: '/a', value: Number.NaN },
      { op: 'add', path: '/a', value: { u: undefined } },
      { op: 'add', path: '/a', value: new Date(0) },
      { op: 'add', path: '/a', value: '\ud800' },
      { op: 'add', path: '/\ud800', value: 1 },
    ]) {
      fails({ a: 1 }, [bad]);
    }
    expect(() => applyPatch({}, 'nope' as unknown as JsonPatchOp[])).toThrow(JsonPatchError);
  });

  it('[EM4] values nested deeper than the limit are rejected, not a stack overflow', () => {
    let deep: JsonValue = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(() => applyPatch({}, [{ op: 'add', path: '/a', value: deep }])).toThrow(JsonPatchError);
  });
});

/** An independent, mutate-a-deep-clone reading of RFC 6902 to fuzz against. */
function referenceApply(doc: JsonValue, ops: readonly JsonPatchOp[]): JsonValue {
  const holder: { root: JsonValue } = { root: JSON.parse(JSON.stringify(doc)) as JsonValue };
  const clone = (v: JsonValue) => JSON.parse(JSON.stringify(v)) as JsonValue;
  const isObj = (v: unknown): v is Record<string, JsonValue> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const get = (tokens: string[]): JsonValue => {
    let node = holder.root;
    for (const t of tokens) {
      if (Array.isArray(node)) node = node[parseArrayIndex(t, node.length, false)]!;
      else if (isObj(node) && Object.hasOwn(node, t)) node = node[t]!;
      else throw new Error('missing');
    }
    return node;
  };
  const add = (tokens: string[], value: JsonValue) => {
    if (tokens.length === 0) return void (holder.root = value);
    const parent = get(tokens.slice(0, -1));
    const last = tokens.at(-1)!;
    if (Array.isArray(parent)) parent.splice(parseArrayIndex(last, parent.length, true), 0, value);
    else if (isObj(parent)) Object.defineProperty(parent, last, { value, writable: true, enumerable: true, configurable: true });
    else throw new Error('not a container');
  };
  const remove = (tokens: string[]) => {
    if (tokens.length === 0) throw new Error('root');
    const parent = get(tokens.slice(0, -1));
    const last = tokens.at(-1)!;
    if (Array.isArray(parent)) parent.splice(parseArrayIndex(last, parent.length, false), 1);
    else if (isObj(parent) && Object.hasOwn(parent, last)) delete parent[last];
    else throw new Error('missing');
  };
  for (const op of ops) {
    const path = parsePointer(op.path);
    if (op.op === 'add') add(path, clone(op.value));
    else if (op.op === 'remove') remove(path);
    else if (op.op === 'replace') {
      get(path);
      if (path.length === 0) holder.root = clone(op.value);
      else {
        remove(path);
        add(path, clone(op.value));
      }
    } else if (op.op === 'test') {
      if (canonicalJson(get(path)) !== canonicalJson(op.value)) throw new Error('test');
    } else {
      const from = parsePointer(op.from);
      const value = clone(get(from));
      // Moving a value onto itself is remove-then-add of the same value: nothing changes, even at the root.
      if (op.op === 'move' && from.join('/') === path.join('/') && from.length === path.length) continue;
      if (op.op === 'move') {
        if (from.length < path.length && from.every((t, i) => t === path[i])) throw new Error('into child');
        remove(from);
      }
      add(path, value);
    }
  }
  return holder.root;
}

describe('applyPatch: fuzz', () => {
  it('[EM4] random patches either apply exactly like the reference or throw JsonPatchError, never mutating input', () => {
    let applied = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const rand = seededRandom(seed);
      const doc = deepFreeze(randomJson(rand, 4));
      const ops = deepFreeze(randomPatch(rand, doc));
      const before = canonicalJson(doc);
      let expected: string | null;
      try {
        expected = canonicalJson(referenceApply(doc, ops));
      } catch {
        expected = null;
      }
      let actual: string | null;
      try {
        actual = canonicalJson(applyPatch(doc, ops));
        applied++;
      } catch (err) {
        if (!(err instanceof JsonPatchError)) throw new Error(`seed ${seed}: threw ${String(err)}`);
        actual = null;
      }
      expect(actual, `seed ${seed}: ${JSON.stringify(ops)} on ${before}`).toBe(expected);
      expect(canonicalJson(doc)).toBe(before);
    }
    // The generator must exercise the success path, not only rejections.
    expect(applied).toBeGreaterThan(450);
  }, 30_000);
});
