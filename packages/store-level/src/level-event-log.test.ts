import { DuplicateEventError } from '@dungeon-lab/store';
import { runEventLogConformance } from '@dungeon-lab/store/conformance';
import { describe, expect, it } from 'vitest';
import { hex, levelTestDir, runOnLevel, text } from './level-test-dir.fixture.ts';
import { encodeEventValue } from './event-value.ts';
import { encodeSequence, entryKey, idIndexKey, logPrefix } from './log-key-layout.ts';

runOnLevel(runEventLogConformance, 'dl-store-level-events-');

/** The rejection reason, or undefined; attaching the handler at once keeps an early rejection from going unhandled. */
const failure = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (err: unknown) => err,
  );

describe('level event log', () => {
  const { open, raw } = levelTestDir('dl-store-level-events-');

  it('[L5] the keys on disk are exactly the documented layout', async () => {
    const store = await open();
    await store.appendEvents('s', [{ sequence: 258, id: 'i', data: Uint8Array.of(0xaa) }]);
    await store.putRejection('s', { id: 'r', data: Uint8Array.of(0xbb) });
    await store.putCheckpoint('s', { id: 'c', data: Uint8Array.of(0xcc) });
    await store.appendUpdates('s', [Uint8Array.of(0xdd)]);

    const entries: [string, string][] = [];
    await raw(async (db) => {
      for (const [key, value] of await db.iterator().all()) entries.push([hex(key), hex(value)]);
    });
    const log = `02${'00000001'}${text('s')}`;
    expect(entries.slice(0, 2).map(([key]) => key)).toEqual([`00${text('epoch')}`, `00${text('user-index')}`]);
    expect(entries[2]?.[0].startsWith(`01${'00000001'}${text('s')}`)).toBe(true);
    expect(entries.slice(3)).toEqual([
      [`${log}01${'0000000000000102'}`, `${'00000001'}${text('i')}aa`],
      [`${log}02${text('i')}`, '0000000000000102'],
      [`${log}03${text('r')}`, 'bb'],
      [`${log}04${text('c')}`, 'cc'],
    ]);
  });

  it('[L5] log names and ids that are not well-formed Unicode are refused with a TypeError', async () => {
    const store = await open();
    const data = Uint8Array.of(1);
    await expect(store.appendEvents('\ud800', [{ sequence: 1, id: 'a', data }])).rejects.toBeInstanceOf(TypeError);
    await expect(store.appendEvents('log', [{ sequence: 1, id: '\udc00', data }])).rejects.toBeInstanceOf(TypeError);
    await expect(store.putRejection('log', { id: 'a\ud83d', data })).rejects.toBeInstanceOf(TypeError);
    await expect(store.putCheckpoint('log', { id: '\udfff', data })).rejects.toBeInstanceOf(TypeError);
    await expect(store.readEvents('\ud800', 1, 10)).rejects.toBeInstanceOf(TypeError);
    expect(await store.lastSequence('log')).toBe(0);
    expect(await store.eventById('log', '\ufffd')).toBeNull();
  });

  it('[L6] writes to one log apply in call order, even when nobody awaits in between', async () => {
    const store = await open();
    const data = (n: number): Uint8Array => Uint8Array.of(n);
    const appended = store.appendEvents('log', [{ sequence: 1, id: 'a', data: data(0) }]);
    // Called before the append landed, run after it: the entry is there to replace.
    const replaces = Array.from({ length: 20 }, (_, i) =>
      store.replaceEvent('log', { sequence: 1, id: 'a', data: data(i + 1) }),
    );
    const rejections = Array.from({ length: 20 }, (_, i) => store.putRejection('log', { id: 'r', data: data(i + 1) }));
    // Of two claims on one sequence, or one checkpoint id, the first caller wins.
    const first = store.appendEvents('log', [{ sequence: 2, id: 'first', data: data(1) }]);
    const second = failure(store.appendEvents('log', [{ sequence: 2, id: 'second', data: data(2) }]));
    const firstCheckpoint = store.putCheckpoint('log', { id: 'c', data: data(1) });
    const secondCheckpoint = failure(store.putCheckpoint('log', { id: 'c', data: data(2) }));

    await Promise.all([appended, ...replaces, ...rejections, first, firstCheckpoint]);
    expect(await second).toBeInstanceOf(DuplicateEventError);
    expect(await secondCheckpoint).toBeInstanceOf(DuplicateEventError);
    expect([...((await store.eventById('log', 'a'))?.data ?? [])]).toEqual([20]);
    expect([...((await store.rejectionById('log', 'r'))?.data ?? [])]).toEqual([20]);
    expect((await store.readEvents('log', 2, 1))[0]?.id).toBe('first');
    expect([...((await store.checkpointById('log', 'c'))?.data ?? [])]).toEqual([1]);
  });

  it('[L7] an unreadable entry makes readEvents and eventById reject instead of skipping it', async () => {
    const store = await open();
    await store.appendEvents('log', [
      { sequence: 1, id: 'a', data: Uint8Array.of(1) },
      { sequence: 2, id: 'b', data: Uint8Array.of(2) },
    ]);
    await store.appendEvents('other', [{ sequence: 1, id: 'a', data: Uint8Array.of(1) }]);
    await raw((db) => db.put(entryKey(logPrefix('log'), 2), Uint8Array.of(0, 0, 0, 9, 0x62)));

    const reopened = await open();
    await expect(reopened.readEvents('log', 1, 10)).rejects.toThrow(/entry 2 of log "log" is unreadable/);
    await expect(reopened.eventById('log', 'b')).rejects.toThrow(/entry 2 of log "log" is unreadable/);
    // Reads that do not touch the bad entry, and other logs, still work.
    expect((await reopened.readEvents('log', 1, 1)).map((e) => e.id)).toEqual(['a']);
    expect(await reopened.readEvents('other', 1, 10)).toHaveLength(1);
  });

  it('[L7] an id index that disagrees with the entries makes eventById reject', async () => {
    const store = await open();
    await store.appendEvents('log', [
      { sequence: 1, id: 'a', data: Uint8Array.of(1) },
      { sequence: 2, id: 'b', data: Uint8Array.of(2) },
    ]);
    const prefix = logPrefix('log');
    await raw(async (db) => {
      await db.put(idIndexKey(prefix, 'a'), encodeSequence(2));
      await db.put(idIndexKey(prefix, 'ghost'), encodeSequence(7));
      await db.put(idIndexKey(prefix, 'short'), Uint8Array.of(1));
      // An entry whose stored id is another than the one its index names.
      await db.put(entryKey(prefix, 3), encodeEventValue('c', Uint8Array.of(3)));
      await db.put(idIndexKey(prefix, 'd'), encodeSequence(3));
    });

    const reopened = await open();
    await expect(reopened.eventById('log', 'a')).rejects.toThrow(/indexes entry 2, which has id "b"/);
    await expect(reopened.eventById('log', 'ghost')).rejects.toThrow(/indexes missing entry 7/);
    await expect(reopened.eventById('log', 'short')).rejects.toThrow(/index of id "short" of log "log" is unreadable/);
    await expect(reopened.eventById('log', 'd')).rejects.toThrow(/which has id "c"/);
    expect((await reopened.eventById('log', 'b'))?.sequence).toBe(2);
  });
});
