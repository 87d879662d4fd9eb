import { mkdtemp, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { indexedDbPersistence } from './indexeddb-persistence.ts';
import { MemoryPersistenceStore, memoryPersistence } from './memory-persistence.ts';
import { FileDocPersistence, filePersistence, logFileName } from './node/file-persistence.ts';
import type { DocPersistenceFactory } from './persistence.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dl-client-persistence-'));
  // lib0/indexeddb reads these globals; installed here rather than through
  // 'fake-indexeddb/auto' so the choice stays local to this file.
  Object.assign(globalThis, { indexedDB, IDBKeyRange });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  delete (globalThis as Record<string, unknown>).indexedDB;
  delete (globalThis as Record<string, unknown>).IDBKeyRange;
});

let counter = 0;
const uniqueName = () => `sessions/s${++counter}/table`;

const backends: Array<[string, () => DocPersistenceFactory]> = [
  ['memory', () => memoryPersistence(sharedMemory)],
  ['file', () => filePersistence({ dir })],
  ['indexeddb', () => indexedDbPersistence()],
];
const sharedMemory = new MemoryPersistenceStore();

describe.each(backends)('%s persistence', (_label, makeFactory) => {
  it('gives a reload the previous run’s edits and metadata', async () => {
    const factory = makeFactory();
    const name = uniqueName();
    const first = new Y.Doc();
    const p1 = factory(name, first);
    await p1.load();
    first.getMap('m').set('a', 1);
    first.getArray('arr').push(['x', 'y']);
    first.getText('t').insert(0, 'hello');
    await p1.setMeta('pending', '{"v":1}');
    await p1.flush();
    await p1.destroy();

    const second = new Y.Doc();
    const p2 = factory(name, second);
    await p2.load();
    expect(second.getMap('m').toJSON()).toEqual({ a: 1 });
    expect(second.getArray('arr').toJSON()).toEqual(['x', 'y']);
    expect(second.getText('t').toString()).toBe('hello');
    expect(await p2.getMeta('pending')).toBe('{"v":1}');
    expect(await p2.getMeta('missing')).toBeUndefined();
    await p2.destroy();
  });

  it('keeps edits made before load finished, merged with the stored ones', async () => {
    const factory = makeFactory();
    const name = uniqueName();
    const first = new Y.Doc();
    const p1 = factory(name, first);
    await p1.load();
    first.getMap('m').set('old', true);
    await p1.flush();
    await p1.destroy();

    const second = new Y.Doc();
    const p2 = factory(name, second);
    second.getMap('m').set('early', true);
    await p2.load();
    await p2.flush();
    await p2.destroy();

    const third = new Y.Doc();
    const p3 = factory(name, third);
    await p3.load();
    expect(third.getMap('m').toJSON()).toEqual({ old: true, early: true });
    await p3.destroy();
  });

  it('stops storing after destroy and forgets everything on clearData', async () => {
    const factory = makeFactory();
    const name = uniqueName();
    const doc = new Y.Doc();
    const p1 = factory(name, doc);
    await p1.load();
    doc.getMap('m').set('kept', 1);
    await p1.flush();
    await p1.destroy();
    doc.getMap('m').set('dropped', 2);

    const again = new Y.Doc();
    const p2 = factory(name, again);
    await p2.load();
    expect(again.getMap('m').toJSON()).toEqual({ kept: 1 });
    await p2.clearData();

    const fresh = new Y.Doc();
    const p3 = factory(name, fresh);
    await p3.load();
    expect(fresh.getMap('m').size).toBe(0);
    await p3.destroy();
  });
});

describe('file persistence', () => {
  it('cuts off a record torn by a crash and keeps appending after it', async () => {
    const name = uniqueName();
    const path = join(dir, logFileName(name));
    const doc = new Y.Doc();
    const p1 = new FileDocPersistence(path, doc);
    await p1.load();
    doc.getMap('m').set('a', 1);
    await p1.flush();
    await p1.destroy();
    const intact = (await stat(path)).size;
    // Half a record header and a bit of body, as a kill -9 mid-write leaves it.
    await appendFile(path, Uint8Array.from([200, 0, 0, 0, 1, 2, 3, 4, 1, 9, 9]));

    const doc2 = new Y.Doc();
    const p2 = new FileDocPersistence(path, doc2);
    await p2.load();
    expect(doc2.getMap('m').toJSON()).toEqual({ a: 1 });
    expect((await stat(path)).size).toBe(intact);
    doc2.getMap('m').set('b', 2);
    await p2.flush();
    await p2.destroy();

    const doc3 = new Y.Doc();
    const p3 = new FileDocPersistence(path, doc3);
    await p3.load();
    expect(doc3.getMap('m').toJSON()).toEqual({ a: 1, b: 2 });
    await p3.destroy();
  });

  it('treats garbage in place of a log as empty rather than failing', async () => {
    const name = uniqueName();
    const path = join(dir, logFileName(name));
    await writeFile(path, 'not a log at all');
    const doc = new Y.Doc();
    const p = new FileDocPersistence(path, doc);
    await p.load();
    expect(doc.getMap('m').size).toBe(0);
    doc.getMap('m').set('a', 1);
    await p.flush();
    await p.destroy();
    const doc2 = new Y.Doc();
    const p2 = new FileDocPersistence(path, doc2);
    await p2.load();
    expect(doc2.getMap('m').toJSON()).toEqual({ a: 1 });
    await p2.destroy();
  });

  it('compacts a growing log into one snapshot without losing content or metadata', async () => {
    const name = uniqueName();
    const path = join(dir, logFileName(name));
    const doc = new Y.Doc();
    const p1 = new FileDocPersistence(path, doc, { compactAfterBytes: 2000 });
    await p1.load();
    const text = doc.getText('t');
    await p1.setMeta('k', 'v1');
    for (let i = 0; i < 300; i++) {
      text.insert(text.length, 'x');
      if (i % 3 === 0) text.delete(0, 1);
    }
    await p1.setMeta('k', 'v2');
    await p1.flush();
    await p1.destroy();
    // 300 separate update records would take well over 2000 bytes.
    expect((await stat(path)).size).toBeLessThan(2000);

    const doc2 = new Y.Doc();
    const p2 = new FileDocPersistence(path, doc2);
    await p2.load();
    expect(doc2.getText('t').toString()).toBe(text.toString());
    expect(await p2.getMeta('k')).toBe('v2');
    await p2.destroy();
  });
});
