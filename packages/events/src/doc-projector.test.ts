import { describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { canonicalJson } from './canonical-json.ts';
import { TABLE_DOC_SCHEMA, type DocSchema } from './doc-schema.ts';
import { projectDoc } from './doc-projection.ts';
import { DocProjector } from './doc-projector.ts';
import { FUZZ_KEYS, int, pick, randomJson, randomlyShared, seededRandom, type Rand } from './fuzz.fixture.ts';
import type { JsonObject, JsonValue } from './json.ts';

/** A table as the server writes it: entities are Y.Maps (nested ones too), chat entries Y.Maps in an array. */
function table(): Y.Doc {
  const doc = new Y.Doc();
  const map = (entries: Record<string, unknown>) => {
    const m = new Y.Map<unknown>();
    for (const [k, v] of Object.entries(entries)) m.set(k, v);
    return m;
  };
  doc.transact(() => {
    doc.getMap('scene').set('width', 100);
    for (const id of ['A', 'B', 'C']) doc.getMap('tokens').set(id, map({ x: 1, y: 2, actorId: `a${id}` }));
    for (const id of ['aA', 'aB']) doc.getMap('actors').set(id, map({ name: id, hp: map({ value: 10, max: 10 }), stats: { str: 12 } }));
    doc.getArray('chat').push([map({ id: 'm1', text: 'hi' }), map({ id: 'm2', text: 'ho' })]);
  });
  return doc;
}

/** A second copy of `doc` whose edits reach it as remote updates. */
function peerOf(doc: Y.Doc): Y.Doc {
  const peer = new Y.Doc();
  Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
  peer.on('update', (update: Uint8Array) => Y.applyUpdate(doc, update, 'remote'));
  return peer;
}

type Table = { tokens: Record<string, JsonObject>; actors: Record<string, JsonObject>; chat: JsonObject[] } & JsonObject;

describe('DocProjector', () => {
  it('[EM22] destroy is idempotent: after the document destroyed it, a second destroy removes nothing twice', () => {
    const doc = table();
    const projector = new DocProjector(doc, TABLE_DOC_SCHEMA);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      doc.destroy();
      projector.destroy();
      projector.destroy();
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });

  it('[EM22] after a remote move of token A, every other token, actor, chat entry and untouched root is the same object; A, tokens and the root are new', () => {
    const doc = table();
    const projector = new DocProjector(doc, TABLE_DOC_SCHEMA);
    const before = projector.get() as Table;
    expect(projector.get()).toBe(before);
    expect(before).toEqual(projectDoc(doc, TABLE_DOC_SCHEMA));

    const peer = peerOf(doc);
    peer.getMap<Y.Map<number>>('tokens').get('A')!.set('x', 5);
    const after = projector.get() as Table;
    expect(after).toEqual(projectDoc(doc, TABLE_DOC_SCHEMA));
    expect(after.tokens.A).toEqual({ x: 5, y: 2, actorId: 'aA' });
    expect(after).not.toBe(before);
    expect(after.tokens).not.toBe(before.tokens);
    expect(after.tokens.A).not.toBe(before.tokens.A);
    expect(after.tokens.B).toBe(before.tokens.B);
    expect(after.tokens.C).toBe(before.tokens.C);
    for (const name of ['meta', 'scene', 'actors', 'encounter', 'chat', 'dice']) expect(after[name], name).toBe(before[name]);
    expect(after.actors.aA).toBe(before.actors.aA);
    expect(after.chat[0]).toBe(before.chat[0]);
  });

  it('[EM22] a nested change renews its path only; an append keeps the earlier entries; a plain value keeps its identity', () => {
    const doc = table();
    const projector = new DocProjector(doc, TABLE_DOC_SCHEMA);
    const before = projector.get() as Table;
    const actor = doc.getMap<Y.Map<unknown>>('actors').get('aA')!;
    (actor.get('hp') as Y.Map<number>).set('value', 3);
    const message = new Y.Map<unknown>();
    message.set('text', 'new');
    doc.getArray('chat').push([message]);
    const after = projector.get() as Table;
    expect(after).toEqual(projectDoc(doc, TABLE_DOC_SCHEMA));
    expect(after.actors.aA).not.toBe(before.actors.aA);
    expect(after.actors.aA!.hp).not.toBe(before.actors.aA!.hp);
    expect(after.actors.aA!.stats).toBe(before.actors.aA!.stats);
    expect(after.actors.aB).toBe(before.actors.aB);
    expect(after.chat).not.toBe(before.chat);
    expect(after.chat.slice(0, 2)).toEqual(before.chat);
    expect(after.chat[0]).toBe(before.chat[0]);
    expect(after.chat[1]).toBe(before.chat[1]);
    expect(after.tokens).toBe(before.tokens);
  });

  it('[EM22] a change outside the schema\'s roots, or none, keeps the whole projection', () => {
    const doc = table();
    const projector = new DocProjector(doc, TABLE_DOC_SCHEMA);
    const before = projector.get();
    doc.getMap('not-in-schema').set('x', 1);
    doc.transact(() => {});
    expect(projector.get()).toBe(before);
  });

  it('[EM22] keeps a __proto__ key as data, as projectDoc does', () => {
    const doc = table();
    const projector = new DocProjector(doc, TABLE_DOC_SCHEMA);
    projector.get();
    const inner = new Y.Map<unknown>();
    inner.set('__proto__', 'polluted?');
    doc.getMap('meta').set('__proto__', inner);
    const meta = projector.get().meta as JsonObject;
    expect(Object.keys(meta)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(meta)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(meta['__proto__'])).toBe(Object.prototype);
    expect(canonicalJson(projector.get())).toBe(canonicalJson(projectDoc(doc, TABLE_DOC_SCHEMA)));
  });

  it('[EM22] stops following the document on destroy(), and when the document is destroyed', () => {
    for (const end of ['projector', 'doc'] as const) {
      const doc = table();
      const projector = new DocProjector(doc, TABLE_DOC_SCHEMA);
      const before = projector.get();
      if (end === 'projector') projector.destroy();
      else doc.destroy();
      doc.getMap('scene').set('width', 7);
      expect(projector.get(), end).toBe(before);
    }
  });

  const SEED = Number(process.env.FUZZ_SEED ?? 20_260_521);
  const STEPS = 400;

  it(`[EM22] equals projectDoc after every step of random nested edits, local and remote, and keeps every untouched type's JSON (seed ${SEED})`, () => {
    console.log(`DocProjector fuzz seed ${SEED} (FUZZ_SEED=… to replay)`);
    const schema: DocSchema = { m: 'map', n: 'map', l: 'array' };
    let changes = 0;
    for (let run = 0; run < 5; run++) {
      const rand = seededRandom(SEED + run);
      const doc = new Y.Doc();
      const peer = new Y.Doc();
      doc.on('update', (u: Uint8Array, origin: unknown) => origin !== 'peer' && Y.applyUpdate(peer, u, 'doc'));
      peer.on('update', (u: Uint8Array, origin: unknown) => origin !== 'doc' && Y.applyUpdate(doc, u, 'peer'));
      const projector = new DocProjector(doc, schema);
      for (let step = 0; step < STEPS; step++) {
        const where = `seed ${SEED + run} step ${step}`;
        const before = jsonByType(doc, schema, projector.get());
        // Edit this doc, or the peer (a remote update here); targets are the local types the edit changes.
        const remote = rand() < 0.4;
        const edited = edit(rand, remote ? peer : doc, schema);
        const targets = remote ? edited.flatMap((type) => counterpart(type, doc, schema) ?? []) : edited;
        const projected = projector.get();
        expect(canonicalJson(projected), where).toBe(canonicalJson(projectDoc(doc, schema)));
        const touched = new Set<unknown>();
        for (const target of targets) for (let t: Y.AbstractType<unknown> | null = target as Y.AbstractType<unknown>; t !== null; t = t.parent) touched.add(t);
        const after = jsonByType(doc, schema, projected);
        for (const [type, json] of after) {
          const old = before.get(type);
          if (old !== undefined && !touched.has(type)) expect(json === old, `${where}: an untouched type got a new projection`).toBe(true);
        }
        changes += targets.length;
      }
    }
    expect(changes).toBeGreaterThan(STEPS * 5);
  });
});

type Container = Y.Map<unknown> | Y.Array<unknown>;

/** Every container of the doc (roots included) with the JSON the projection holds for it. */
function jsonByType(doc: Y.Doc, schema: DocSchema, projection: JsonObject): Map<unknown, JsonValue> {
  const out = new Map<unknown, JsonValue>();
  const walk = (type: unknown, json: JsonValue | undefined) => {
    if (!(type instanceof Y.Map || type instanceof Y.Array)) return;
    out.set(type, json!);
    if (type instanceof Y.Map) type.forEach((child, key) => walk(child, (json as JsonObject)[key]));
    else type.forEach((child, i) => walk(child, (json as JsonValue[])[i]));
  };
  for (const [name, kind] of Object.entries(schema)) walk(kind === 'map' ? doc.getMap(name) : doc.getArray(name), projection[name]);
  return out;
}

/** The type of `doc` that is `type` of another replica (the same Yjs item, or the root of the same name); null once deleted. */
function counterpart(edited: unknown, doc: Y.Doc, schema: DocSchema): unknown {
  const type = edited as Y.AbstractType<unknown>;
  const item = type._item;
  for (const [name, kind] of Object.entries(schema)) {
    const root = kind === 'map' ? doc.getMap(name) : doc.getArray(name);
    if (item === null) {
      if ((kind === 'map' ? type.doc!.getMap(name) : type.doc!.getArray(name)) === type) return root;
      continue;
    }
    const found = findById(root, item.id);
    if (found !== null) return found;
  }
  return null;
}

function findById(type: unknown, id: Y.ID): unknown {
  if (!(type instanceof Y.Map || type instanceof Y.Array || type instanceof Y.Text)) return null;
  if (type._item !== null && Y.compareIDs(type._item.id, id)) return type;
  const children: unknown[] = type instanceof Y.Map ? [...type.values()] : type instanceof Y.Array ? type.toArray() : [];
  for (const child of children) {
    const found = findById(child, id);
    if (found !== null) return found;
  }
  return null;
}

/** One transaction of 1–3 random edits on `doc`; returns the types the edits changed. */
function edit(rand: Rand, doc: Y.Doc, schema: DocSchema): unknown[] {
  const targets: unknown[] = [];
  doc.transact(() => {
    for (let n = 1 + int(rand, 3); n > 0; n--) {
      const containers: Array<Container | Y.Text> = [];
      const collect = (type: unknown) => {
        if (type instanceof Y.Text) containers.push(type);
        if (type instanceof Y.Map) {
          containers.push(type);
          type.forEach(collect);
        } else if (type instanceof Y.Array) {
          containers.push(type);
          type.forEach(collect);
        }
      };
      for (const [name, kind] of Object.entries(schema)) collect(kind === 'map' ? doc.getMap(name) : doc.getArray(name));
      const target = pick(rand, containers);
      targets.push(target);
      if (target instanceof Y.Text) {
        if (target.length > 0 && rand() < 0.4) target.delete(int(rand, target.length), 1);
        else target.insert(int(rand, target.length + 1), pick(rand, ['a', 'é', '🎲']));
      } else if (target instanceof Y.Map) {
        const keys = [...target.keys()];
        if (keys.length > 0 && rand() < 0.3) target.delete(pick(rand, keys));
        else target.set(pick(rand, FUZZ_KEYS), randomlyShared(rand, randomJson(rand, 2)));
      } else if (target.length > 0 && rand() < 0.3) {
        const at = int(rand, target.length);
        target.delete(at, 1 + int(rand, Math.min(2, target.length - at)));
      } else {
        target.insert(int(rand, target.length + 1), [randomlyShared(rand, randomJson(rand, 2))]);
      }
    }
  });
  return targets;
}
