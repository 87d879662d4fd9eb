import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createDocReader } from './doc-projection.ts';
import { TABLE_DOC_SCHEMA } from './doc-schema.ts';
import { readEntityVersion, touchedEntities } from './entity-versions.ts';
import { createJsonReader } from './json-reader.ts';

describe('touchedEntities', () => {
  it('[EM10] names each written entity of a map root once, in first-touched order', () => {
    expect(
      touchedEntities([
        { op: 'replace', path: '/tokens/t1/x', value: 1 },
        { op: 'replace', path: '/tokens/t1/y', value: 2 },
        { op: 'add', path: '/actors/goblin-1', value: {} },
        { op: 'remove', path: '/encounter/round/0' },
      ]),
    ).toEqual(['/tokens/t1', '/actors/goblin-1', '/encounter/round']);
  });

  it('[EM10] test and a copy source only read; a move touches both ends', () => {
    expect(
      touchedEntities([
        { op: 'test', path: '/tokens/a/x', value: 1 },
        { op: 'copy', from: '/tokens/b', path: '/tokens/c' },
        { op: 'move', from: '/actors/d/hp', path: '/actors/e/hp' },
      ]),
    ).toEqual(['/tokens/c', '/actors/d', '/actors/e']);
  });

  it('[EM10] array roots and root-level paths have no entities; keys stay escaped', () => {
    expect(
      touchedEntities([
        { op: 'add', path: '/chat/-', value: 'x' },
        { op: 'add', path: '/dice/0/total', value: 3 },
        { op: 'replace', path: '/tokens', value: {} },
        { op: 'add', path: '/tokens/a~1b/x', value: 1 },
        { op: 'add', path: '/unknown/k', value: 1 },
        { op: 'add', path: 'malformed', value: 1 },
      ]),
    ).toEqual(['/tokens/a~1b']);
  });

  it('[EM10] follows the schema it is given', () => {
    expect(touchedEntities([{ op: 'add', path: '/notes/n1', value: 1 }], { notes: 'map' })).toEqual(['/notes/n1']);
    expect(touchedEntities([{ op: 'add', path: '/notes/0', value: 1 }], { notes: 'array' })).toEqual([]);
  });
});

describe('readEntityVersion', () => {
  it('[EM10] reads _version, and 0 when the entity or its version is absent or malformed', () => {
    const doc = new Y.Doc();
    const goblin = new Y.Map<unknown>();
    goblin.set('_version', 3);
    doc.getMap('actors').set('goblin', goblin);
    doc.getMap('actors').set('odd', { _version: 1.5 });
    const reader = createDocReader(doc, TABLE_DOC_SCHEMA);
    expect(readEntityVersion(reader, '/actors/goblin')).toBe(3);
    expect(readEntityVersion(reader, '/actors/odd')).toBe(0);
    expect(readEntityVersion(reader, '/actors/missing')).toBe(0);
    expect(readEntityVersion(createJsonReader({ tokens: { t: { _version: -1 } } }), '/tokens/t')).toBe(0);
  });
});
