import { runSessionStoreConformance } from '@dungeon-lab/store/conformance';
import { describe, expect, it } from 'vitest';
import { hex, levelTestDir, runOnLevel, text } from './level-test-dir.fixture.ts';
import { USER_INDEX_KEY } from './key-layout.ts';
import { memberKey, sessionKey, sessionPrefix, userSessionRange } from './session-key-layout.ts';

runOnLevel(runSessionStoreConformance, 'dl-store-level-sessions-');


describe('level sessions', () => {
  const { open, raw } = levelTestDir('dl-store-level-sessions-');

  it('[LM1] the keys on disk are exactly the documented layout', async () => {
    const store = await open();
    await store.createSession({ id: 's', name: 'n', joinCode: 'c', createdBy: 'g', createdAt: 5 });
    await store.addMember('s', { userId: 'p', role: 'player', joinedAt: 6, name: 'Pia' });
    await store.claimSecret('k', Uint8Array.of(0xee));

    const entries: [string, string][] = [];
    await raw(async (db) => {
      for (const [key, value] of await db.iterator().all()) entries.push([hex(key), hex(value)]);
    });
    const session = `03${'00000001'}${text('s')}`;
    // 2^53 - 1 - joinedAt, u64 BE: newest joined sorts first.
    const inverted = (joinedAt: number) => (Number.MAX_SAFE_INTEGER - joinedAt).toString(16).padStart(16, '0');
    expect(entries[0]?.[0]).toBe(`00${text('epoch')}`);
    expect(entries.slice(1)).toEqual([
      [`00${text('user-index')}`, ''],
      [`${session}01`, text('{"name":"n","joinCode":"c","createdBy":"g","createdAt":5}')],
      [`${session}02${text('g')}`, text('{"role":"gm","joinedAt":5}')],
      [`${session}02${text('p')}`, text('{"role":"player","joinedAt":6,"name":"Pia"}')],
      [`04${text('k')}`, 'ee'],
      [`07${'00000001'}${text('g')}01${inverted(5)}${text('s')}`, text('{"role":"gm","joinedAt":5}')],
      [`07${'00000001'}${text('p')}01${inverted(6)}${text('s')}`, text('{"role":"player","joinedAt":6,"name":"Pia"}')],
    ]);
  });

  it('[LM1] session ids, user ids and secret names that are not well-formed Unicode are refused with a TypeError', async () => {
    const store = await open();
    const session = { id: '\ud800', name: 'n', joinCode: 'c', createdBy: 'g', createdAt: 1 };
    await expect(store.createSession(session)).rejects.toBeInstanceOf(TypeError);
    await expect(store.createSession({ ...session, id: 's', createdBy: '\udc00' })).rejects.toBeInstanceOf(TypeError);
    await store.createSession({ ...session, id: 's' });
    await expect(store.addMember('s', { userId: 'a\ud83d', role: 'player', joinedAt: 1 })).rejects.toBeInstanceOf(TypeError);
    await expect(store.memberRole('s', '\udfff')).rejects.toBeInstanceOf(TypeError);
    await expect(store.claimSecret('\ud800', Uint8Array.of(1))).rejects.toBeInstanceOf(TypeError);
    expect(await store.listMembers('s')).toEqual([{ userId: 'g', role: 'gm', joinedAt: 1 }]);
  });

  it('[LM2] an unreadable session or member value makes the read reject instead of skipping it', async () => {
    const store = await open();
    await store.createSession({ id: 's', name: 'n', joinCode: 'c', createdBy: 'g', createdAt: 1 });
    await store.addMember('s', { userId: 'p', role: 'player', joinedAt: 2 });
    await store.createSession({ id: 't', name: 'n', joinCode: 'c', createdBy: 'g', createdAt: 1 });
    await raw(async (db) => {
      await db.put(memberKey(sessionPrefix('s'), 'p'), new TextEncoder().encode('{"role":"admin","joinedAt":2}'));
      await db.put(sessionKey(sessionPrefix('t')), Uint8Array.of(0xff));
    });

    const reopened = await open();
    await expect(reopened.listMembers('s')).rejects.toThrow(/member of session "s" is unreadable/);
    await expect(reopened.memberRole('s', 'p')).rejects.toThrow(/member "p" of session "s" is unreadable/);
    // The last-GM check reads every member, so it fails closed too.
    await expect(reopened.removeMember('s', 'g')).rejects.toThrow(/unreadable/);
    await expect(reopened.getSession('t')).rejects.toThrow(/session "t" is unreadable/);
    expect(await reopened.memberRole('s', 'g')).toBe('gm');
    expect(await reopened.listMembers('t')).toEqual([{ userId: 'g', role: 'gm', joinedAt: 1 }]);
  });

  it('[LM3] a data directory written before the user index gets it at its next open, built from the members', async () => {
    const store = await open();
    await store.createSession({ id: 's', name: 'n', joinCode: 'c', createdBy: 'g', createdAt: 1 });
    await store.createSession({ id: 't', name: 'm', joinCode: 'c', createdBy: 'p', createdAt: 2 });
    await store.addMember('s', { userId: 'p', role: 'player', joinedAt: 3 });
    await store.setMemberRole('s', 'p', 'gm');
    const before = { g: await store.listSessionsOf('g', 10), p: await store.listSessionsOf('p', 10) };
    expect(before.p.map((x) => [x.session.id, x.role, x.joinedAt])).toEqual([['s', 'gm', 3], ['t', 'gm', 2]]);
    // What an older version left on disk: members, no index, no marker.
    await raw(async (db) => {
      for (const user of ['g', 'p']) await db.clear(userSessionRange(user));
      await db.del(USER_INDEX_KEY);
    });

    const reopened = await open();
    expect({ g: await reopened.listSessionsOf('g', 10), p: await reopened.listSessionsOf('p', 10) }).toEqual(before);
    await reopened.removeMember('s', 'p');
    expect((await reopened.listSessionsOf('p', 10)).map((x) => x.session.id)).toEqual(['t']);
    // Built once: the marker is there, and a later open keeps the index as the writes left it.
    await raw(async (db) => {
      expect(await db.get(USER_INDEX_KEY)).toBeDefined();
    });
    const again = await open();
    expect((await again.listSessionsOf('p', 10)).map((x) => x.session.id)).toEqual(['t']);
  });

  it('[LM3] an index entry whose session is missing makes the read reject, never skip', async () => {
    const store = await open();
    await store.createSession({ id: 's', name: 'n', joinCode: 'c', createdBy: 'g', createdAt: 1 });
    await raw(async (db) => {
      await db.del(sessionKey(sessionPrefix('s')));
    });
    await expect((await open()).listSessionsOf('g', 10)).rejects.toThrow(/names no session/);
  });

  it('[LM1][SM12] member values written before names were kept read without one; a rename rewrites the member and its index entry', async () => {
    const store = await open();
    await store.createSession({ id: 's', name: 'n', joinCode: 'c', createdBy: 'g', createdAt: 1 });
    await store.addMember('s', { userId: 'p', role: 'player', joinedAt: 2 });
    // What an older version wrote: the same JSON, no name key.
    await raw(async (db) => {
      expect(new TextDecoder().decode(await db.get(memberKey(sessionPrefix('s'), 'p')))).toBe('{"role":"player","joinedAt":2}');
    });
    const reopened = await open();
    expect(await reopened.listMembers('s')).toStrictEqual([
      { userId: 'g', role: 'gm', joinedAt: 1 },
      { userId: 'p', role: 'player', joinedAt: 2 },
    ]);
    expect(await reopened.addMember('s', { userId: 'p', role: 'player', joinedAt: 9, name: 'Pia' })).toEqual({
      status: 'exists',
      member: { userId: 'p', role: 'player', joinedAt: 2, name: 'Pia' },
    });
    await raw(async (db) => {
      const written = [...(await db.iterator(userSessionRange('p')).all()).map(([, value]) => new TextDecoder().decode(value))];
      expect(written).toEqual(['{"role":"player","joinedAt":2,"name":"Pia"}']);
      expect(new TextDecoder().decode(await db.get(memberKey(sessionPrefix('s'), 'p')))).toBe('{"role":"player","joinedAt":2,"name":"Pia"}');
    });
  });
});
