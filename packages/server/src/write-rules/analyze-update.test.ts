/**
 * The path analyzer on its own: a server doc, a client doc made from it, and
 * the update the client's edit produces — hand-made where no client would
 * produce it. What it lists is what the rules judge ([W1]..[W14]).
 */
import { TABLE_DOC_SCHEMA, applyPatchToDoc, type JsonPatchOp } from '@dungeon-lab/events';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { type Write, analyzeUpdate } from './analyze-update.ts';
import { judgeWrites } from './judge-writes.ts';
import { formatPath } from './write-path.ts';

/** A server doc holding what `ops` write. */
function serverWith(ops: JsonPatchOp[]): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => applyPatchToDoc(doc, TABLE_DOC_SCHEMA, ops));
  return doc;
}

/** A client that synced `server`; its edits come back as one update each. */
function clientOf(server: Y.Doc): { doc: Y.Doc; edit: (fn: (doc: Y.Doc) => void) => Uint8Array } {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(server));
  return {
    doc,
    edit(fn) {
      const updates: Uint8Array[] = [];
      const listen = (u: Uint8Array) => updates.push(u);
      doc.on('update', listen);
      doc.transact(() => fn(doc));
      doc.off('update', listen);
      return Y.mergeUpdates(updates);
    },
  };
}

function writesOf(server: Y.Doc, update: Uint8Array): Array<{ op: string; path: string; values?: readonly string[]; authors?: readonly (string | undefined)[] }> {
  const analysis = analyzeUpdate(server, update);
  if (!analysis.ok) throw new Error(analysis.detail);
  return analysis.writes.map((w: Write) => ({
    op: w.op,
    path: formatPath(w.path),
    ...(w.values.length > 0 ? { values: w.values } : {}),
    ...(w.op !== 'set' && w.op !== 'unset' && !w.values.includes('text') ? { authors: w.authors } : {}),
  }));
}

const TABLE: JsonPatchOp[] = [
  { op: 'add', path: '/tokens/t1', value: { actorId: 'a1', x: 1, y: 1 } },
  { op: 'add', path: '/actors/a1', value: { ownerId: 'alice', hp: { value: 5, max: 5 }, notes: 'x' } },
  { op: 'add', path: '/chat/-', value: { id: 'm1', userId: 'bob', text: 'hi' } },
  { op: 'add', path: '/chat/-', value: { id: 'm2', userId: 'alice', text: 'yo' } },
];

describe('analyzeUpdate', () => {
  it('[W3] a token move is one set: the old value it replaces is part of it', () => {
    const server = serverWith(TABLE);
    const update = clientOf(server).edit((doc) => doc.getMap<Y.Map<number>>('tokens').get('t1')!.set('x', 4));
    expect(writesOf(server, update)).toEqual([{ op: 'set', path: '/tokens/t1/x', values: ['number'] }]);
  });

  it('[W4][W10] what an update creates carries its content: a new token is one write, a new entry\'s author comes from its own keys', () => {
    const server = serverWith(TABLE);
    const token = clientOf(server).edit((doc) => applyPatchToDoc(doc, TABLE_DOC_SCHEMA, [{ op: 'add', path: '/tokens/t2', value: { x: 0, y: 0, tags: ['a'] } }]));
    expect(writesOf(server, token)).toEqual([{ op: 'set', path: '/tokens/t2', values: ['type'] }]);
    const entry = clientOf(server).edit((doc) => applyPatchToDoc(doc, TABLE_DOC_SCHEMA, [{ op: 'add', path: '/chat/-', value: { id: 'm3', userId: 'carol', text: 'hey' } }]));
    expect(writesOf(server, entry)).toEqual([{ op: 'append', path: '/chat/-', values: ['type'], authors: ['carol'] }]);
    const plain = clientOf(server).edit((doc) => doc.getArray('chat').push([{ userId: 'dan' }, { text: 'nobody' }, 'x']));
    expect(writesOf(server, plain)).toEqual([{ op: 'append', path: '/chat/-', values: ['object', 'object', 'string'], authors: ['dan', undefined, undefined] }]);
  });

  it('[W10] a new entry whose userId is set twice is by the value that stays; one that never names anyone is by nobody', () => {
    const server = serverWith(TABLE);
    const update = clientOf(server).edit((doc) => {
      const entry = new Y.Map<string>();
      doc.getArray('chat').push([entry]);
      entry.set('userId', 'carol');
      entry.set('userId', 'bob');
    });
    expect(writesOf(server, update)).toEqual([{ op: 'append', path: '/chat/-', values: ['type'], authors: ['bob'] }]);
    const unnamed = clientOf(server).edit((doc) => {
      const entry = new Y.Map<string>();
      doc.getArray('chat').push([entry]);
      entry.set('userId', 'carol');
      entry.delete('userId');
    });
    expect(writesOf(server, unnamed)).toEqual([{ op: 'append', path: '/chat/-', values: ['type'], authors: [undefined] }]);
  });

  it('[W11][W13] removals name the entries they remove and their authors; deleting an entry takes its fields with it', () => {
    const server = serverWith(TABLE);
    const update = clientOf(server).edit((doc) => doc.getArray('chat').delete(0, 2));
    expect(writesOf(server, update)).toEqual([
      { op: 'remove', path: '/chat/0', authors: ['bob'] },
      { op: 'remove', path: '/chat/1', authors: ['alice'] },
    ]);
    const edit = clientOf(server).edit((doc) => doc.getArray<Y.Map<string>>('chat').get(1).delete('text'));
    expect(writesOf(server, edit)).toEqual([{ op: 'unset', path: '/chat/1/text' }]);
  });

  it('[W13] an insert is an append when nothing visible follows it, even after a tombstone; before a live element it is an insert', () => {
    const server = serverWith(TABLE);
    const client = clientOf(server);
    const retract = client.edit((doc) => doc.getArray('chat').delete(1, 1));
    Y.applyUpdate(server, retract);
    // `insert(length)` lands before the deleted last element: its right origin is that tombstone.
    const after = client.edit((doc) => doc.getArray('chat').insert(1, [{ userId: 'alice' }]));
    expect(Y.decodeUpdate(after).structs.some((s) => s instanceof Y.Item && s.rightOrigin !== null)).toBe(true);
    expect(writesOf(server, after)).toEqual([{ op: 'append', path: '/chat/-', values: ['object'], authors: ['alice'] }]);
    const before = clientOf(server).edit((doc) => doc.getArray('chat').insert(0, [{ userId: 'alice' }]));
    expect(writesOf(server, before)).toEqual([{ op: 'insert', path: '/chat/0', values: ['object'], authors: ['alice'] }]);
  });

  it('[W7] text typed into a text created by the same update is its content; typed later, each run is an insert into it', () => {
    const server = serverWith(TABLE);
    const client = clientOf(server);
    const created = client.edit((doc) => {
      const text = new Y.Text();
      doc.getMap<Y.Map<unknown>>('actors').get('a1')!.set('bio', text);
      text.insert(0, 'tall');
    });
    expect(writesOf(server, created)).toEqual([{ op: 'set', path: '/actors/a1/bio', values: ['type'] }]);
    Y.applyUpdate(server, created);
    const typed = client.edit((doc) => {
      const bio = doc.getMap<Y.Map<Y.Text>>('actors').get('a1')!.get('bio')!;
      bio.insert(4, ' and');
      bio.insert(0, 'Very ');
    });
    expect(writesOf(server, typed)).toEqual([
      { op: 'append', path: '/actors/a1/bio/-', values: ['text'] },
      { op: 'insert', path: '/actors/a1/bio/0', values: ['text'] },
    ]);
  });

  it('[W3] an offline client\'s earlier values of a key arrive as deleted history: only the last one is a write', () => {
    const server = serverWith(TABLE);
    const client = clientOf(server);
    const token = () => client.doc.getMap<Y.Map<number>>('tokens').get('t1')!;
    const before = Y.encodeStateVector(server);
    for (let x = 2; x < 6; x++) client.edit(() => token().set('x', x));
    const step2 = Y.encodeStateAsUpdate(client.doc, before);
    expect(writesOf(server, step2)).toEqual([{ op: 'set', path: '/tokens/t1/x', values: ['number'] }]);
    // The last value deleted too: the key ends up without one.
    client.edit(() => token().delete('x'));
    expect(writesOf(server, Y.encodeStateAsUpdate(client.doc, before))).toEqual([{ op: 'unset', path: '/tokens/t1/x', values: ['deleted'] }]);
  });

  it('[W4] removing a map is one write; what it holds goes with it', () => {
    const server = serverWith(TABLE);
    const update = clientOf(server).edit((doc) => doc.getMap('tokens').delete('t1'));
    expect(Y.decodeUpdate(update).ds.clients.get(server.clientID)!.reduce((n, r) => n + r.len, 0)).toBeGreaterThan(1);
    expect(writesOf(server, update)).toEqual([{ op: 'unset', path: '/tokens/t1' }]);
  });

  it('[W14] a subdocument is a write of kind doc, which no rule admits', () => {
    const server = serverWith(TABLE);
    const update = clientOf(server).edit((doc) => doc.getMap<Y.Map<unknown>>('actors').get('a1')!.set('notes', new Y.Doc()));
    expect(writesOf(server, update)).toEqual([{ op: 'set', path: '/actors/a1/notes', values: ['doc'] }]);
    const analysis = analyzeUpdate(server, update);
    expect(analysis.ok && judgeWrites(server, analysis.writes, { userId: 'alice', role: 'gm' })).toMatchObject({ ruleId: 'W14' });
  });

  it('[W14] a root the server has never seen is a path like any other', () => {
    const server = serverWith(TABLE);
    const update = clientOf(server).edit((doc) => doc.getMap('fog').set('cell', 1));
    expect(writesOf(server, update)).toEqual([{ op: 'set', path: '/fog/cell', values: ['number'] }]);
  });

  it('[W17] writes under something already deleted have no effect and are not listed', () => {
    const server = serverWith(TABLE);
    const stale = clientOf(server);
    const staleToo = clientOf(server);
    Y.applyUpdate(server, clientOf(server).edit((doc) => doc.getMap('tokens').delete('t1')));
    expect(writesOf(server, stale.edit((doc) => doc.getMap<Y.Map<number>>('tokens').get('t1')!.set('y', 9)))).toEqual([]);
    // Deleting what is already deleted changes nothing either.
    expect(writesOf(server, staleToo.edit((doc) => doc.getMap('tokens').delete('t1')))).toEqual([]);
  });

  it('[W18] an update that depends on operations the server lacks cannot be analysed: a gap, an unknown origin, a deletion of unknown ids', () => {
    const server = serverWith(TABLE);
    const client = clientOf(server);
    const first = client.edit((doc) => doc.getArray('chat').push([{ userId: 'alice' }]));
    const second = client.edit((doc) => doc.getArray('chat').push([{ userId: 'alice' }]));
    expect(analyzeUpdate(server, second)).toEqual({ ok: false, detail: `operations of client ${client.doc.clientID} from clock 0 are missing` });
    const other = clientOf(server);
    Y.applyUpdate(other.doc, first);
    const unknownOrigin = other.edit((doc) => doc.getArray('chat').push([{ userId: 'bob' }]));
    expect(analyzeUpdate(server, unknownOrigin)).toMatchObject({ ok: false, detail: expect.stringMatching(/^refers to \d+:0, which the server does not have$/) });
    const unknownDelete = other.edit((doc) => doc.getArray('chat').delete(2, 1));
    expect(analyzeUpdate(server, unknownDelete)).toMatchObject({ ok: false, detail: expect.stringMatching(/^deletes \d+:0, which the server does not have$/) });
    Y.applyUpdate(server, first);
    expect(analyzeUpdate(server, second)).toMatchObject({ ok: true });
  });

  it('[W18] a client listed twice is refused: Yjs would apply only its last run', () => {
    const server = serverWith(TABLE);
    const client = clientOf(server);
    const a = client.edit((doc) => doc.getArray('chat').push([{ userId: 'alice' }]));
    const other = clientOf(server).edit((doc) => doc.getArray('dice').push([{ userId: 'bob' }]));
    // Each is `[1 client][its structs][empty delete set]`: splice them into one update with several runs.
    for (const u of [a, other]) expect([u[0], u.at(-1)]).toEqual([1, 0]);
    const runs = (...updates: Uint8Array[]) => new Uint8Array([updates.length, ...updates.flatMap((u) => [...u.subarray(1, -1)]), 0]);
    const detail = `client ${client.doc.clientID} is listed twice`;
    expect(analyzeUpdate(server, runs(a, other, a))).toEqual({ ok: false, detail });
    expect(analyzeUpdate(server, runs(a, a))).toEqual({ ok: false, detail });
  });

  it('[W17] a struct the server already has in part is judged for the rest', () => {
    const server = serverWith(TABLE);
    const client = clientOf(server);
    const notes = new Y.Text();
    Y.applyUpdate(server, client.edit((doc) => doc.getMap<Y.Map<unknown>>('actors').get('a1')!.set('bio', notes)));
    const head = client.edit(() => notes.insert(0, 'hel'));
    client.edit(() => notes.insert(3, 'lo'));
    Y.applyUpdate(server, head);
    const whole = Y.encodeStateAsUpdate(client.doc);
    expect(writesOf(server, whole)).toEqual([{ op: 'append', path: '/actors/a1/bio/-', values: ['text'] }]);
  });

  it('cannot decode → throws, so the socket is closed as before ([P13])', () => {
    const server = serverWith(TABLE);
    expect(() => analyzeUpdate(server, new Uint8Array([1, 2, 3]))).toThrow();
  });
});
