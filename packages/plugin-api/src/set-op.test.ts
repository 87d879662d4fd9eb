import { applyPatch, createJsonReader } from '@dungeon-lab/events';
import { describe, expect, it } from 'vitest';
import { setOp } from './set-op.ts';

describe('setOp', () => {
  const doc = { actors: { a: { hp: { value: 3 } } } };
  const state = createJsonReader(doc);

  it('replaces an existing value and adds a missing one, so either applies', () => {
    expect(setOp(state, '/actors/a/hp/value', 5)).toEqual({ op: 'replace', path: '/actors/a/hp/value', value: 5 });
    expect(setOp(state, '/actors/a/hp/temp', 2)).toEqual({ op: 'add', path: '/actors/a/hp/temp', value: 2 });
    expect(applyPatch(doc, [setOp(state, '/actors/a/hp/value', 5), setOp(state, '/actors/a/hp/temp', 2)])).toEqual({
      actors: { a: { hp: { value: 5, temp: 2 } } },
    });
  });
});
