/**
 * The session half of the conformance suite: rules [SM1]..[SM12] of
 * docs/storage.md, black-box through `SessionStore` and `SecretStore` (plus
 * documents and logs, to prove sessions do not mix with them).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect } from 'vitest';
import { type ConformanceTarget, expectBytes, freshTargetPerTest, type Harness, type SuiteOptions, suiteTest } from './conformance-harness.ts';
import type { SessionOfUser, SessionRole, Store, StoredMember, StoredSession } from './store.ts';

const T0 = 1_700_000_000_000;

/** Registers the session conformance `describe` block; `createTarget` is called once per test. */
export function runSessionStoreConformance(
  backendName: string,
  createTarget: () => Promise<ConformanceTarget<Store>>,
  options: SuiteOptions = {},
): void {
  describe(`SessionStore conformance: ${backendName}`, () => {
    const it = suiteTest(options);
    let h: Harness<Store>;
    let store: Store;

    freshTargetPerTest(createTarget, (harness, opened) => {
      h = harness;
      store = opened;
    });

    it('[SM1] a never-created session has no record and no members', async () => {
      await expectNoSession(store, 'never');
      expect(await store.addMember('never', member('u'))).toEqual({ status: 'no-session' });
      expect(await store.setMemberRole('never', 'u', 'gm')).toEqual({ status: 'not-member' });
      expect(await store.removeMember('never', 'u')).toEqual({ status: 'not-member' });
      await expectNoSession(store, 'never');
    });

    it('[SM2] createSession stores the session field-exact with its creator as the only member, a GM', async () => {
      const s = session('s1', 'alice', { name: 'Curse of Strahd — ep. 1 🧛', joinCode: 'JOIN-1' });
      expect(await store.createSession(s)).toEqual({ status: 'created' });
      expect(await store.getSession('s1')).toEqual(s);
      expect(await store.listMembers('s1')).toEqual([{ userId: 'alice', role: 'gm', joinedAt: T0 }]);
      expect(await store.memberRole('s1', 'alice')).toBe('gm');
      expect(await store.memberRole('s1', 'bob')).toBeNull();
    });

    it('[SM2] a second createSession of an id answers exists and changes nothing', async () => {
      const first = session('s1', 'alice');
      await store.createSession(first);
      await store.addMember('s1', member('bob'));
      expect(await store.createSession(session('s1', 'mallory', { name: 'hijacked', joinCode: 'X' }))).toEqual({
        status: 'exists',
      });
      expect(await store.getSession('s1')).toEqual(first);
      expect(await store.memberRole('s1', 'mallory')).toBeNull();
      expect(sortMembers(await store.listMembers('s1')).map((m) => m.userId)).toEqual(['alice', 'bob']);
    });

    it('[SM2] of concurrent creates of one id exactly one is created', async () => {
      const creators = Array.from({ length: 10 }, (_, i) => `user-${i}`);
      const results = await Promise.all(creators.map((c) => store.createSession(session('race', c))));
      const winners = creators.filter((_, i) => results[i]?.status === 'created');
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => r.status === 'exists')).toHaveLength(9);
      expect((await store.getSession('race'))?.createdBy).toBe(winners[0]);
      expect(await store.listMembers('race')).toEqual([{ userId: winners[0], role: 'gm', joinedAt: T0 }]);
    });

    it('[SM3] addMember adds a member field-exact, and never changes an existing one', async () => {
      await store.createSession(session('s', 'gm'));
      const bob = member('bob', 'player', T0 + 5);
      expect(await store.addMember('s', bob)).toEqual({ status: 'added', member: bob });
      expect(await store.memberRole('s', 'bob')).toBe('player');

      // Joining again, even claiming another role, returns the stored member untouched.
      expect(await store.addMember('s', member('bob', 'gm', T0 + 9))).toEqual({ status: 'exists', member: bob });
      expect(await store.addMember('s', member('gm', 'player', T0 + 9))).toEqual({
        status: 'exists',
        member: { userId: 'gm', role: 'gm', joinedAt: T0 },
      });
      expect(sortMembers(await store.listMembers('s'))).toEqual([bob, { userId: 'gm', role: 'gm', joinedAt: T0 }]);
    });

    it('[SM3] of concurrent adds of one user exactly one adds, and all answer the same member', async () => {
      await store.createSession(session('s', 'gm'));
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.addMember('s', member('bob', i % 2 === 0 ? 'player' : 'gm', T0 + i))),
      );
      const added = results.filter((r) => r.status === 'added');
      expect(added).toHaveLength(1);
      const stored = added[0]?.member;
      for (const r of results) expect(r).toEqual({ status: r === added[0] ? 'added' : 'exists', member: stored });
      expect(await store.listMembers('s')).toHaveLength(2);
    });

    it('[SM4] setMemberRole changes only the role, removeMember only that member; reads follow at once', async () => {
      await store.createSession(session('s', 'gm'));
      await store.addMember('s', member('bob', 'player', T0 + 1));
      await store.addMember('s', member('carol', 'player', T0 + 2));

      expect(await store.setMemberRole('s', 'bob', 'gm')).toEqual({
        status: 'updated',
        member: { userId: 'bob', role: 'gm', joinedAt: T0 + 1 },
        previous: 'player',
      });
      expect(await store.memberRole('s', 'bob')).toBe('gm');
      // Setting the role a member already has is an update to the same role.
      expect(await store.setMemberRole('s', 'carol', 'player')).toEqual({
        status: 'updated',
        member: { userId: 'carol', role: 'player', joinedAt: T0 + 2 },
        previous: 'player',
      });

      expect(await store.removeMember('s', 'carol')).toEqual({
        status: 'removed',
        member: { userId: 'carol', role: 'player', joinedAt: T0 + 2 },
      });
      expect(await store.memberRole('s', 'carol')).toBeNull();
      expect(await store.removeMember('s', 'carol')).toEqual({ status: 'not-member' });
      expect(await store.setMemberRole('s', 'carol', 'gm')).toEqual({ status: 'not-member' });
      expect(await store.setMemberRole('s', 'nobody', 'player')).toEqual({ status: 'not-member' });
      expect(sortMembers(await store.listMembers('s'))).toEqual([
        { userId: 'bob', role: 'gm', joinedAt: T0 + 1 },
        { userId: 'gm', role: 'gm', joinedAt: T0 },
      ]);

      // A removed member may join again, as a new member.
      expect((await store.addMember('s', member('carol', 'player', T0 + 7))).status).toBe('added');
      expect(await store.memberRole('s', 'carol')).toBe('player');
      expect(await store.getSession('s')).toEqual(session('s', 'gm'));
    });

    it('[SM5] the last GM can be neither removed nor demoted', async () => {
      await store.createSession(session('s', 'gm'));
      await store.addMember('s', member('bob'));
      expect(await store.removeMember('s', 'gm')).toEqual({ status: 'last-gm' });
      expect(await store.setMemberRole('s', 'gm', 'player')).toEqual({ status: 'last-gm' });
      expect(await store.memberRole('s', 'gm')).toBe('gm');

      // With a second GM, the first may step down; then the second is the last.
      await store.setMemberRole('s', 'bob', 'gm');
      expect((await store.setMemberRole('s', 'gm', 'player')).status).toBe('updated');
      expect(await store.removeMember('s', 'bob')).toEqual({ status: 'last-gm' });
      expect((await store.removeMember('s', 'gm')).status).toBe('removed');
      expect(await store.listMembers('s')).toEqual([{ userId: 'bob', role: 'gm', joinedAt: T0 }]);
    });

    it('[SM5] of concurrent demotions and removals of the only two GMs, exactly one lands', async () => {
      for (let round = 0; round < 10; round++) {
        const id = `s${round}`;
        await store.createSession(session(id, 'a'));
        await store.addMember(id, member('b', 'gm'));
        const results = await Promise.all([
          round % 2 === 0 ? store.setMemberRole(id, 'a', 'player') : store.removeMember(id, 'a'),
          store.setMemberRole(id, 'b', 'player'),
        ]);
        expect(results.filter((r) => r.status === 'last-gm')).toHaveLength(1);
        const gms = (await store.listMembers(id)).filter((m) => m.role === 'gm');
        expect(gms).toHaveLength(1);
      }
    });

    it('[SM6] sessions are isolated from each other, by user id, and from documents and logs', async () => {
      const ids = ['a', 'ab', 'a/b', 'a/b/', 'a\u0000b', 'a\u0000', 'é', 'e\u0301', '🎲', ''];
      for (const [i, id] of ids.entries()) {
        await store.createSession(session(id, `gm${i}`, { name: `name ${i}`, joinCode: `code ${i}` }));
        await store.addMember(id, member(id, 'player', T0 + i));
      }
      for (const [i, id] of ids.entries()) {
        expect(await store.getSession(id)).toEqual(session(id, `gm${i}`, { name: `name ${i}`, joinCode: `code ${i}` }));
        const members = sortMembers(await store.listMembers(id));
        expect(members).toEqual(
          sortMembers([
            { userId: `gm${i}`, role: 'gm', joinedAt: T0 },
            { userId: id, role: 'player', joinedAt: T0 + i },
          ]),
        );
      }
      // User ids that are prefixes of each other, or contain separators, are distinct members.
      const users = ['u', 'uu', 'u/', 'u\u0000', 'ü', ''];
      await store.createSession(session('users', 'gm'));
      for (const u of users.slice(1)) await store.addMember('users', member(u));
      expect(await store.memberRole('users', 'u')).toBeNull();
      await store.addMember('users', member('u', 'gm'));
      expect(await store.memberRole('users', 'u')).toBe('gm');
      for (const u of users.slice(1)) expect(await store.memberRole('users', u)).toBe('player');
      await store.removeMember('users', 'uu');
      expect(await store.memberRole('users', 'u')).toBe('gm');
      expect(await store.memberRole('users', 'u/')).toBe('player');

      // Documents and logs of the same names are untouched, and touch nothing.
      await store.appendUpdates('a', [Uint8Array.of(1)]);
      await store.appendEvents('a', [{ sequence: 1, id: 'a', data: Uint8Array.of(2) }]);
      expect(await store.getSession('a')).toEqual(session('a', 'gm0', { name: 'name 0', joinCode: 'code 0' }));
      expect((await store.loadDoc('a')).rows).toHaveLength(1);
      expect(await store.lastSequence('a')).toBe(1);
      await expectNoSession(store, 'never');
    });

    it('[SM7] sessions and member changes survive close and reopen', async () => {
      await store.createSession(session('s', 'gm'));
      await store.addMember('s', member('bob', 'player', T0 + 1));
      await store.addMember('s', member('carol', 'player', T0 + 2));
      await store.addMember('s', member('dave', 'player', T0 + 3));
      await store.setMemberRole('s', 'carol', 'gm');
      await store.removeMember('s', 'dave');

      const check = async (): Promise<void> => {
        expect(await store.getSession('s')).toEqual(session('s', 'gm'));
        expect(sortMembers(await store.listMembers('s'))).toEqual([
          { userId: 'bob', role: 'player', joinedAt: T0 + 1 },
          { userId: 'carol', role: 'gm', joinedAt: T0 + 2 },
          { userId: 'gm', role: 'gm', joinedAt: T0 },
        ]);
        expect(await store.memberRole('s', 'dave')).toBeNull();
      };
      await check();
      store = await h.reopen(store);
      await check();
    });

    it('[SM10] listSessionsOf answers the user\'s sessions with role and joinedAt, newest joined first, at most limit', async () => {
      expect(await store.listSessionsOf('nobody', 10)).toEqual([]);
      const a = session('a', 'alice', { createdAt: T0 + 1 });
      const b = session('b', 'bob', { createdAt: T0 + 2 });
      const c = session('c', 'carol', { createdAt: T0 + 3 });
      for (const s of [a, b, c]) await store.createSession(s);
      await store.addMember('b', member('alice', 'player', T0 + 20));
      await store.addMember('c', member('alice', 'player', T0 + 10));
      // Same joinedAt as another membership of hers: ties go in session-id order.
      await store.createSession(session('d', 'dave', { createdAt: T0 }));
      await store.addMember('d', member('alice', 'player', T0 + 10));

      expect(await store.listSessionsOf('alice', 10)).toEqual([
        of(b, 'player', T0 + 20),
        of(c, 'player', T0 + 10),
        of(session('d', 'dave', { createdAt: T0 }), 'player', T0 + 10),
        of(a, 'gm', T0 + 1),
      ]);
      expect((await store.listSessionsOf('alice', 2)).map((s) => s.session.id)).toEqual(['b', 'c']);
      expect(await store.listSessionsOf('alice', 0)).toEqual([]);
      expect(await store.listSessionsOf('bob', 10)).toEqual([of(b, 'gm', T0 + 2)]);
      for (const limit of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN, '3' as unknown as number]) {
        await expect(store.listSessionsOf('alice', limit), String(limit)).rejects.toBeInstanceOf(Error);
      }
    });

    it('[SM11] listSessionsOf follows every resolved add, role change and removal, across reopen, and keeps users apart', async () => {
      const s = session('s', 'gm');
      await store.createSession(s);
      // User ids that are prefixes of each other, or contain separators, are distinct users.
      for (const [i, u] of ['u', 'uu', 'u/', 'u\u0000', ''].entries()) await store.addMember('s', member(u, 'player', T0 + i));
      expect(await store.listSessionsOf('u', 10)).toEqual([of(s, 'player', T0)]);
      expect(await store.listSessionsOf('', 10)).toEqual([of(s, 'player', T0 + 4)]);

      await store.setMemberRole('s', 'uu', 'gm');
      expect(await store.listSessionsOf('uu', 10)).toEqual([of(s, 'gm', T0 + 1)]);
      await store.removeMember('s', 'u');
      expect(await store.listSessionsOf('u', 10)).toEqual([]);
      expect(await store.listSessionsOf('u/', 10)).toEqual([of(s, 'player', T0 + 2)]);
      expect(await store.removeMember('s', 'gm')).toEqual({ status: 'removed', member: member('gm', 'gm', T0) });
      // Refused changes change nothing.
      expect(await store.removeMember('s', 'uu')).toEqual({ status: 'last-gm' });
      expect(await store.setMemberRole('s', 'uu', 'player')).toEqual({ status: 'last-gm' });
      expect(await store.listSessionsOf('uu', 10)).toEqual([of(s, 'gm', T0 + 1)]);
      expect(await store.listSessionsOf('gm', 10)).toEqual([]);
      // Joining again is a new membership with its new time.
      await store.addMember('s', member('u', 'player', T0 + 50));
      expect(await store.listSessionsOf('u', 10)).toEqual([of(s, 'player', T0 + 50)]);
      // A failed add (no such session) and an add of an existing member list nothing new.
      await store.addMember('never', member('u', 'player', T0 + 60));
      await store.addMember('s', member('u', 'gm', T0 + 70));
      expect(await store.listSessionsOf('u', 10)).toEqual([of(s, 'player', T0 + 50)]);

      const concurrent = Array.from({ length: 20 }, (_, i) => session(`race${i}`, 'racer', { createdAt: T0 + 100 + i }));
      await Promise.all(concurrent.map((r) => store.createSession(r)));
      store = await h.reopen(store);
      expect((await store.listSessionsOf('racer', 100)).map((x) => x.session.id)).toEqual(concurrent.map((r) => r.id).reverse());
      expect(await store.listSessionsOf('uu', 10)).toEqual([of(s, 'gm', T0 + 1)]);
    });

    it('[SM12] names are stored on create and add, absent when not given, and kept by role changes', async () => {
      expect(await store.createSession(session('s', 'gm'), 'Gunnar the GM')).toEqual({ status: 'created' });
      const mira = { ...member('mira', 'player', T0 + 1), name: 'Mira 🎲' };
      expect(await store.addMember('s', mira)).toEqual({ status: 'added', member: mira });
      await store.addMember('s', member('nameless', 'player', T0 + 2));
      await store.createSession(session('t', 'gm'));

      expect(sortMembers(await store.listMembers('s'))).toStrictEqual([
        { userId: 'gm', role: 'gm', joinedAt: T0, name: 'Gunnar the GM' },
        mira,
        // No `name` key at all, not `name: undefined`.
        { userId: 'nameless', role: 'player', joinedAt: T0 + 2 },
      ]);
      expect(await store.listMembers('t')).toStrictEqual([{ userId: 'gm', role: 'gm', joinedAt: T0 }]);
      expect(await store.setMemberRole('s', 'mira', 'gm')).toEqual({ status: 'updated', member: { ...mira, role: 'gm' }, previous: 'player' });
      expect(await store.removeMember('s', 'mira')).toEqual({ status: 'removed', member: { ...mira, role: 'gm' } });
      // A name is any string the caller chose, kept exactly.
      const odd = { ...member('odd'), name: ' \u0000é/e\u0301 ' };
      await store.addMember('s', odd);
      expect(await store.listMembers('s')).toContainEqual(odd);
    });

    it('[SM12] joining again with another name renames the member and changes nothing else; without a name, or the same one, nothing changes', async () => {
      await store.createSession(session('s', 'gm'), 'Gus');
      const bob = { ...member('bob', 'player', T0 + 1), name: 'Bob' };
      await store.addMember('s', bob);
      await store.addMember('s', member('carl', 'player', T0 + 2));

      // Another role and time are ignored as always; the new name is taken.
      expect(await store.addMember('s', { ...member('bob', 'gm', T0 + 9), name: 'Robert' })).toEqual({ status: 'exists', member: { ...bob, name: 'Robert' } });
      expect(await store.addMember('s', member('bob', 'player', T0 + 10))).toEqual({ status: 'exists', member: { ...bob, name: 'Robert' } });
      expect(await store.addMember('s', { ...member('bob', 'player', T0 + 11), name: 'Robert' })).toEqual({ status: 'exists', member: { ...bob, name: 'Robert' } });
      // A member stored without a name gets one.
      expect(await store.addMember('s', { ...member('carl', 'gm', T0 + 12), name: 'Carl' })).toEqual({
        status: 'exists',
        member: { userId: 'carl', role: 'player', joinedAt: T0 + 2, name: 'Carl' },
      });
      expect(await store.addMember('s', { ...member('gm', 'player', T0 + 13), name: 'Gus II' })).toEqual({
        status: 'exists',
        member: { userId: 'gm', role: 'gm', joinedAt: T0, name: 'Gus II' },
      });
      expect(sortMembers(await store.listMembers('s'))).toStrictEqual([
        { userId: 'bob', role: 'player', joinedAt: T0 + 1, name: 'Robert' },
        { userId: 'carl', role: 'player', joinedAt: T0 + 2, name: 'Carl' },
        { userId: 'gm', role: 'gm', joinedAt: T0, name: 'Gus II' },
      ]);
      // The rename changed no membership: the user's sessions list it as before.
      expect(await store.listSessionsOf('bob', 10)).toEqual([of(session('s', 'gm'), 'player', T0 + 1)]);
      store = await h.reopen(store);
      expect(await store.memberRole('s', 'bob')).toBe('player');
      expect((await store.listMembers('s')).find((m) => m.userId === 'bob')).toStrictEqual({ userId: 'bob', role: 'player', joinedAt: T0 + 1, name: 'Robert' });
    });

    it('[SM12] of concurrent re-joins under different names, each answers its own name and one of them is stored', async () => {
      await store.createSession(session('s', 'gm'));
      await store.addMember('s', { ...member('bob'), name: 'first' });
      const names = Array.from({ length: 10 }, (_, i) => `name ${i}`);
      const results = await Promise.all(names.map((name, i) => store.addMember('s', { ...member('bob', 'gm', T0 + i), name })));
      results.forEach((r, i) => expect(r).toEqual({ status: 'exists', member: { ...member('bob'), name: names[i] } }));
      const stored = (await store.listMembers('s')).filter((m) => m.userId === 'bob');
      expect(stored).toHaveLength(1);
      expect(names).toContain(stored[0]?.name);
      expect(stored[0]).toMatchObject(member('bob'));
      expect(await store.listSessionsOf('bob', 10)).toHaveLength(1);
    });

    it('[SM8] invalid input rejects with an Error and writes nothing', async () => {
      await store.createSession(session('s', 'gm'));
      const bad: [string, () => Promise<unknown>][] = [
        ['createSession without a name', () => store.createSession({ ...session('t', 'gm'), name: 7 as unknown as string })],
        ['createSession with a fractional time', () => store.createSession({ ...session('t', 'gm'), createdAt: 1.5 })],
        ['createSession with a numeric id', () => store.createSession({ ...session('t', 'gm'), id: 1 as unknown as string })],
        ['addMember with an unknown role', () => store.addMember('s', { ...member('x'), role: 'admin' as SessionRole })],
        ['addMember without a user id', () => store.addMember('s', { ...member('x'), userId: null as unknown as string })],
        ['addMember with a name that is no string', () => store.addMember('s', { ...member('x'), name: 7 as unknown as string })],
        ['renaming with a name that is no string', () => store.addMember('s', { ...member('gm'), name: {} as unknown as string })],
        ['createSession with a creator name that is no string', () => store.createSession(session('t', 'gm'), 7 as unknown as string)],
        ['setMemberRole with an unknown role', () => store.setMemberRole('s', 'gm', 'owner' as SessionRole)],
        ['claimSecret without bytes', () => store.claimSecret('k', 'secret' as unknown as Uint8Array)],
      ];
      for (const [what, call] of bad) await expect(call(), what).rejects.toBeInstanceOf(Error);
      expect(await store.getSession('t')).toBeNull();
      expect(await store.listMembers('s')).toEqual([{ userId: 'gm', role: 'gm', joinedAt: T0 }]);
      expectBytes(await store.claimSecret('k', Uint8Array.of(1)), Uint8Array.of(1));
    });

    it('[SM8] every session operation after close rejects with an Error and writes nothing', async () => {
      await store.createSession(session('s', 'gm'));
      await h.close(store);
      const calls: [string, () => Promise<unknown>][] = [
        ['createSession', () => store.createSession(session('t', 'gm'))],
        ['getSession', () => store.getSession('s')],
        ['addMember', () => store.addMember('s', member('bob'))],
        ['setMemberRole', () => store.setMemberRole('s', 'gm', 'player')],
        ['removeMember', () => store.removeMember('s', 'gm')],
        ['listMembers', () => store.listMembers('s')],
        ['memberRole', () => store.memberRole('s', 'gm')],
        ['listSessionsOf', () => store.listSessionsOf('gm', 10)],
        ['claimSecret', () => store.claimSecret('k', Uint8Array.of(1))],
      ];
      for (const [what, call] of calls) await expect(call(), what).rejects.toBeInstanceOf(Error);
      store = await h.open();
      expect(await store.getSession('t')).toBeNull();
      expect(await store.listMembers('s')).toEqual([{ userId: 'gm', role: 'gm', joinedAt: T0 }]);
      expectBytes(await store.claimSecret('k', Uint8Array.of(2)), Uint8Array.of(2));
    });

    it('[SM9] claimSecret keeps the first candidate, byte-exact, across reopens and concurrent claims', async () => {
      const first = randomBytes(32);
      const firstCopy = Uint8Array.from(first);
      const claimed = await store.claimSecret('dev-signing-key', first);
      expectBytes(claimed, firstCopy);
      // Mutating the input or the answer changes nothing stored.
      first.fill(0);
      claimed.fill(0);
      expectBytes(await store.claimSecret('dev-signing-key', randomBytes(32)), firstCopy);

      const racers = await Promise.all(Array.from({ length: 10 }, () => store.claimSecret('raced', randomBytes(16))));
      for (const r of racers) expectBytes(r, racers[0]);

      // Names are isolated; a zero-length secret is a secret.
      expectBytes(await store.claimSecret('dev-signing-key/2', new Uint8Array(0)), new Uint8Array(0));
      expectBytes(await store.claimSecret('', Uint8Array.of(9)), Uint8Array.of(9));

      store = await h.reopen(store);
      expectBytes(await store.claimSecret('dev-signing-key', randomBytes(32)), firstCopy);
      expectBytes(await store.claimSecret('raced', randomBytes(16)), racers[0]);
      expectBytes(await store.claimSecret('dev-signing-key/2', Uint8Array.of(1)), new Uint8Array(0));
    });
  });
}

function session(id: string, createdBy: string, extra: Partial<StoredSession> = {}): StoredSession {
  return { id, name: `session ${id}`, joinCode: `code-${id}`, createdBy, createdAt: T0, ...extra };
}

function member(userId: string, role: SessionRole = 'player', joinedAt = T0): StoredMember {
  return { userId, role, joinedAt };
}

function of(s: StoredSession, role: SessionRole, joinedAt: number): SessionOfUser {
  return { session: s, role, joinedAt };
}

function sortMembers(members: StoredMember[]): StoredMember[] {
  return [...members].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}

async function expectNoSession(store: Store, id: string): Promise<void> {
  expect(await store.getSession(id)).toBeNull();
  expect(await store.listMembers(id)).toEqual([]);
  expect(await store.memberRole(id, 'u')).toBeNull();
}
