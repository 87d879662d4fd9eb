import { describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { canonicalJson } from './canonical-json.ts';
import { TABLE_DOC_SCHEMA, type DocSchema } from './doc-schema.ts';
import { applyPatchToDoc, createDocReader, projectDoc } from './doc-projection.ts';
import { FUZZ_KEYS, int, pick, randomJson, randomPatch, randomlyShared, seededRandom, type Rand } from './fuzz.fixture.ts';
import { JsonPatchError, type JsonPatchOp } from './json-patch-types.ts';
import { applyPatch } from './json-patch.ts';
import { parsePointer } from './json-pointer.ts';
import type { JsonObject, JsonValue } from './json.ts';

function tableDoc(): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => {
    const scene = doc.getMap('scene');
    scene.set('width', 100);
    scene.set('height', 50);
    const t1 = new Y.Map<unknown>();
    t1.set('x', 1);
    t1.set('y', 2);
    t1.set('tags', Y.Array.from(['a', 'b']));
    doc.getMap('tokens').set('t1', t1);
    // A plain (ContentAny) value, as a free edit might have stored it.
    doc.getMap('actors').set('goblin', { hp: 7, stats: { str: 8 } });
    const message = new Y.Map<unknown>();
    message.set('text', 'hi');
    doc.getArray('chat').push([message, 'plain entry']);
    const notes = new Y.Text('GM notes');
    doc.getMap('encounter').set('notes', notes);
  });
  return doc;
}

const apply = (doc: Y.Doc, ops: JsonPatchOp[]) => doc.transact(() => applyPatchToDoc(doc, TABLE_DOC_SCHEMA, ops));

describe('projectDoc', () => {
  it('[EM8] projects every schema root, Y.Text as a string, plain values as stored', () => {
    expect(projectDoc(tableDoc(), TABLE_DOC_SCHEMA)).toEqual({
      meta: {},
      scene: { width: 100, height: 50 },
      tokens: { t1: { x: 1, y: 2, tags: ['a', 'b'] } },
      actors: { goblin: { hp: 7, stats: { str: 8 } } },
      encounter: { notes: 'GM notes' },
      chat: [{ text: 'hi' }, 'plain entry'],
      dice: [],
    });
  });

  it('[EM8] keeps a __proto__ key as data (Y.Map#toJSON would make it the prototype)', () => {
    const doc = new Y.Doc();
    doc.getMap('meta').set('__proto__', new Y.Map());
    const meta = projectDoc(doc, TABLE_DOC_SCHEMA).meta as JsonObject;
    expect(Object.keys(meta)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(meta)).toBe(Object.prototype);
  });
});

describe('createDocReader', () => {
  it('[EM9] reads any pointer through Yjs types and plain values; absent is undefined', () => {
    const reader = createDocReader(tableDoc(), TABLE_DOC_SCHEMA);
    expect(reader.get('/tokens/t1/x')).toBe(1);
    expect(reader.get('/tokens/t1')).toEqual({ x: 1, y: 2, tags: ['a', 'b'] });
    expect(reader.get('/tokens/t1/tags/1')).toBe('b');
    expect(reader.get('/actors/goblin/stats/str')).toBe(8);
    expect(reader.get('/chat/0/text')).toBe('hi');
    expect(reader.get('/chat/1')).toBe('plain entry');
    expect(reader.get('/encounter/notes')).toBe('GM notes');
    expect(reader.get('/dice')).toEqual([]);
    for (const absent of ['/tokens/t2', '/tokens/t1/z', '/tokens/t1/tags/2', '/tokens/t1/tags/-', '/chat/01', '/nope', '/nope/x', '/encounter/notes/0', 'bad', '/~2']) {
      expect(reader.get(absent), absent).toBeUndefined();
    }
    expect(Object.keys(reader.get('') as object)).toEqual(Object.keys(TABLE_DOC_SCHEMA));
  });

  it('[EM9] reading /tokens/t1/x serialises neither the tokens map nor the token', () => {
    const doc = new Y.Doc();
    const tokens = doc.getMap<Y.Map<unknown>>('tokens');
    for (let i = 0; i < 200; i++) {
      const t = new Y.Map<unknown>();
      t.set('x', i);
      tokens.set(`t${i}`, t);
    }
    const spied = [tokens, tokens.get('t1')!, tokens.get('t2')!].flatMap((m) =>
      (['toJSON', 'forEach', 'keys', 'values', 'entries'] as const).map((method) => vi.spyOn(m, method)),
    );
    const reader = createDocReader(doc, TABLE_DOC_SCHEMA);
    expect(reader.get('/tokens/t1/x')).toBe(1);
    for (const spy of spied) expect(spy).not.toHaveBeenCalled();
    // Asking for one token walks that token only.
    expect(reader.get('/tokens/t1')).toEqual({ x: 1 });
    expect(spied.slice(0, 5).every((s) => s.mock.calls.length === 0)).toBe(true);
    expect(spied.slice(10).every((s) => s.mock.calls.length === 0)).toBe(true);
  });
});

describe('applyPatchToDoc', () => {
  it('[EM5] written objects become Y.Map and arrays Y.Array, recursively; strings stay strings', () => {
    const doc = tableDoc();
    apply(doc, [{ op: 'add', path: '/tokens/t2', value: { x: 0, path: [{ x: 1 }, [2]], name: 'orc' } }]);
    const t2 = doc.getMap('tokens').get('t2') as Y.Map<unknown>;
    expect(t2).toBeInstanceOf(Y.Map);
    const path = t2.get('path') as Y.Array<unknown>;
    expect(path).toBeInstanceOf(Y.Array);
    expect(path.get(0)).toBeInstanceOf(Y.Map);
    expect(path.get(1)).toBeInstanceOf(Y.Array);
    expect(t2.get('name')).toBe('orc');
  });

  it('[EM5] edits nested paths in place, so concurrent edits of sibling fields both survive', () => {
    const a = tableDoc();
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    const t1 = a.getMap('tokens').get('t1');
    apply(a, [{ op: 'replace', path: '/tokens/t1/x', value: 10 }]);
    expect(a.getMap('tokens').get('t1')).toBe(t1);
    (b.getMap('tokens').get('t1') as Y.Map<unknown>).set('y', 20);
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(createDocReader(a, TABLE_DOC_SCHEMA).get('/tokens/t1')).toMatchObject({ x: 10, y: 20 });
    expect(projectDoc(b, TABLE_DOC_SCHEMA)).toEqual(projectDoc(a, TABLE_DOC_SCHEMA));
  });

  it('[EM5] edits array elements in place and appends without touching the rest', () => {
    const doc = tableDoc();
    const first = doc.getArray('chat').get(0);
    apply(doc, [
      { op: 'replace', path: '/chat/0/text', value: 'edited' },
      { op: 'add', path: '/chat/-', value: { text: 'new' } },
      { op: 'add', path: '/chat/1', value: 'between' },
    ]);
    expect(doc.getArray('chat').get(0)).toBe(first);
    expect(projectDoc(doc, TABLE_DOC_SCHEMA).chat).toEqual([{ text: 'edited' }, 'between', 'plain entry', { text: 'new' }]);
  });

  it('[EM5] a write inside a plain stored value rewrites that value as Yjs types', () => {
    const doc = tableDoc();
    apply(doc, [{ op: 'replace', path: '/actors/goblin/stats/str', value: 9 }]);
    const goblin = doc.getMap('actors').get('goblin') as Y.Map<unknown>;
    expect(goblin).toBeInstanceOf(Y.Map);
    expect(goblin.get('stats')).toBeInstanceOf(Y.Map);
    expect(createDocReader(doc, TABLE_DOC_SCHEMA).get('/actors/goblin')).toEqual({ hp: 7, stats: { str: 9 } });
  });

  it('[EM5] move and copy write copies (a Yjs type cannot be re-parented)', () => {
    const doc = tableDoc();
    apply(doc, [
      { op: 'copy', from: '/tokens/t1', path: '/tokens/t3' },
      { op: 'move', from: '/tokens/t1', path: '/actors/t1' },
      { op: 'replace', path: '/tokens/t3/tags/0', value: 'z' },
    ]);
    expect(projectDoc(doc, TABLE_DOC_SCHEMA)).toMatchObject({
      tokens: { t3: { x: 1, y: 2, tags: ['z', 'b'] } },
      actors: { t1: { x: 1, y: 2, tags: ['a', 'b'] } },
    });
    expect(doc.getMap('tokens').has('t1')).toBe(false);
  });

  it('[EM5] Y.Text is a leaf: it can be replaced or tested as a string, not descended into', () => {
    const doc = tableDoc();
    apply(doc, [{ op: 'test', path: '/encounter/notes', value: 'GM notes' }]);
    expect(() => apply(doc, [{ op: 'add', path: '/encounter/notes/0', value: 'x' }])).toThrow(JsonPatchError);
    apply(doc, [{ op: 'replace', path: '/encounter/notes', value: 'plain now' }]);
    expect(doc.getMap('encounter').get('notes')).toBe('plain now');
  });

  it('[EM6] pointers must start at a schema root, and no op may write the document or a root itself', () => {
    const bad: JsonPatchOp[] = [
      { op: 'replace', path: '/tokens', value: {} },
      { op: 'remove', path: '/chat' },
      { op: 'add', path: '/tokens', value: {} },
      { op: 'add', path: '/extra', value: 1 },
      { op: 'add', path: '/extra/x', value: 1 },
      { op: 'replace', path: '', value: {} },
      { op: 'remove', path: '' },
      { op: 'move', from: '/tokens', path: '/actors/all' },
      { op: 'copy', from: '/tokens', path: '/actors' },
      { op: 'test', path: '/extra', value: 1 },
      { op: 'copy', from: '/extra', path: '/meta/x' },
    ];
    for (const op of bad) expect(() => apply(tableDoc(), [op]), JSON.stringify(op)).toThrow(JsonPatchError);
    const doc = tableDoc();
    apply(doc, [
      { op: 'test', path: '', value: projectDoc(tableDoc(), TABLE_DOC_SCHEMA) },
      { op: 'test', path: '/dice', value: [] },
      { op: 'copy', from: '/scene', path: '/meta/sceneBackup' },
    ]);
    expect(createDocReader(doc, TABLE_DOC_SCHEMA).get('/meta/sceneBackup')).toEqual({ width: 100, height: 50 });
  });

  it('[EM7] a failing patch changes nothing: same encoded state, no update emitted', () => {
    const doc = tableDoc();
    const before = Y.encodeStateAsUpdate(doc);
    const onUpdate = vi.fn();
    doc.on('update', onUpdate);
    const failing: JsonPatchOp[][] = [
      [
        { op: 'replace', path: '/tokens/t1/x', value: 5 },
        { op: 'add', path: '/chat/-', value: 'x' },
        { op: 'remove', path: '/tokens/t1/nope' },
      ],
      [
        { op: 'remove', path: '/tokens/t1' },
        { op: 'test', path: '/tokens/t1/x', value: 1 },
      ],
      [
        { op: 'add', path: '/actors/goblin/stats/dex', value: 3 },
        { op: 'add', path: '/chat/9', value: 'x' },
      ],
      [
        { op: 'add', path: '/meta/a', value: 1 },
        { op: 'add', path: '/meta/b', value: Number.NaN },
      ],
    ];
    for (const ops of failing) {
      expect(() => apply(doc, ops)).toThrow(JsonPatchError);
      expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
    }
    expect(onUpdate).not.toHaveBeenCalled();
  });

  it('[EM7] validation touches only the patched entities, not whole roots', () => {
    const doc = new Y.Doc();
    const tokens = doc.getMap<Y.Map<unknown>>('tokens');
    const chat = doc.getArray<unknown>('chat');
    doc.transact(() => {
      for (let i = 0; i < 2000; i++) {
        const t = new Y.Map<unknown>();
        t.set('x', i);
        tokens.set(`t${i}`, t);
      }
      chat.push(Array.from({ length: 2000 }, (_, i) => `m${i}`));
    });
    const spies = [
      ...(['toJSON', 'forEach', 'keys', 'values', 'entries'] as const).map((m) => vi.spyOn(tokens, m)),
      ...(['toJSON', 'toArray', 'forEach', 'map', 'slice'] as const).map((m) => vi.spyOn(chat, m)),
      ...(['toJSON', 'forEach', 'keys', 'values', 'entries'] as const).map((m) => vi.spyOn(tokens.get('t2')!, m)),
    ];
    apply(doc, [
      { op: 'test', path: '/tokens/t1/x', value: 1 },
      { op: 'replace', path: '/tokens/t1/x', value: -1 },
      { op: 'add', path: '/tokens/t1/y', value: 0 },
      { op: 'add', path: '/chat/-', value: 'new' },
      { op: 'remove', path: '/chat/3' },
    ]);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    expect(tokens.get('t1')!.toJSON()).toEqual({ x: -1, y: 0 });
    expect(chat.length).toBe(2000);
    expect(chat.get(1999)).toBe('new');
    expect(chat.get(3)).toBe('m4');
  });
});

/** A random table document mixing Yjs types, plain stored values and Y.Text. */
function randomDoc(rand: Rand, schema: DocSchema): Y.Doc {
  const doc = new Y.Doc();
  const shared = (value: JsonValue) => randomlyShared(rand, value);
  doc.transact(() => {
    for (const [name, kind] of Object.entries(schema)) {
      const n = int(rand, 4);
      for (let i = 0; i < n; i++) {
        const value = shared(randomJson(rand, 3));
        if (kind === 'map') doc.getMap<unknown>(name).set(pick(rand, FUZZ_KEYS), value);
        else doc.getArray<unknown>(name).push([value]);
      }
    }
  });
  return doc;
}

/** Ops the plain engine accepts but a document refuses by [EM6]. */
function breaksRootRules(ops: readonly JsonPatchOp[], schema: DocSchema): boolean {
  return ops.some((op) => {
    const pointers = op.op === 'move' || op.op === 'copy' ? [op.path, op.from] : [op.path];
    const tokens = pointers.map(parsePointer);
    if (tokens.some((t) => t.length > 0 && !Object.hasOwn(schema, t[0]!))) return true;
    if (op.op !== 'test' && tokens[0]!.length < 2) return true;
    return op.op === 'move' && tokens[1]!.length < 2;
  });
}

describe('applyPatchToDoc: fuzz', () => {
  const schema: DocSchema = { m: 'map', n: 'map', l: 'array' };

  it('[EM8] projectDoc after applyPatchToDoc equals applyPatch on the projection; [EM7] failures change nothing', () => {
    let applied = 0;
    let rejected = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const rand = seededRandom(seed);
      const doc = randomDoc(rand, schema);
      // Several patches in a row, so later ones run against what earlier ones wrote.
      for (let round = 0; round < 3; round++) {
        const before = projectDoc(doc, schema);
        const state = Y.encodeStateAsUpdate(doc);
        const ops = randomPatch(rand, before, { minDepth: rand() < 0.9 ? 2 : 0 });
        const where = `seed ${seed} round ${round}: ${JSON.stringify(ops)} on ${canonicalJson(before)}`;
        let expected: string | null;
        try {
          expected = canonicalJson(applyPatch(before, ops));
        } catch (err) {
          if (!(err instanceof JsonPatchError)) throw err;
          expected = null;
        }
        try {
          doc.transact(() => applyPatchToDoc(doc, schema, ops));
        } catch (err) {
          if (!(err instanceof JsonPatchError)) throw new Error(`${where}: threw ${String(err)}`);
          expect(Y.encodeStateAsUpdate(doc), where).toEqual(state);
          if (expected !== null) expect(breaksRootRules(ops, schema), where).toBe(true);
          rejected++;
          continue;
        }
        applied++;
        expect(canonicalJson(projectDoc(doc, schema)), where).toBe(expected);
        // What peers decode from the update is what the server projects.
        const peer = new Y.Doc();
        Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
        expect(canonicalJson(projectDoc(peer, schema)), where).toBe(expected);
      }
    }
    expect(applied).toBeGreaterThan(200);
    expect(rejected).toBeGreaterThan(200);
  }, 30_000);
});
