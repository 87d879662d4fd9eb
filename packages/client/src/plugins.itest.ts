import type { JsonObject } from '@dungeon-lab/events';
import type { DerivedState } from '@dungeon-lab/plugin-api';
import { dnd5ePlugin } from '@dungeon-lab/plugin-dnd5e';
import { afterEach, describe, expect, it } from 'vitest';
import { actorOf, goblin, seedActors, thorin } from './dnd5e.fixture.ts';
import { serverEvents } from './event-log.fixture.ts';
import { memoryPersistence } from './memory-persistence.ts';
import { createTestSession, startTestServer, testClient, waitFor, waitForValue } from './server-harness.fixture.ts';
import type { SessionClient } from './session-client.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function dnd5eTable() {
  const s = await startTestServer({ plugins: [dnd5ePlugin], eventLog: { rateLimit: { burst: 10_000, perSecond: 10_000 } } });
  cleanups.push(() => s.dispose());
  const sess = await createTestSession(s.url, ['gm', 'mira']);
  const open = (name: string): SessionClient => {
    const c = testClient(s.url, { sessionId: sess.id, token: sess.users[name]!.token, persistence: memoryPersistence(), plugins: [dnd5ePlugin] });
    cleanups.push(() => c.destroy());
    return c;
  };
  const gm = open('gm');
  const player = open('mira');
  await Promise.all([gm.whenSynced(), player.whenSynced()]);
  await waitForValue(gm.identity, (i) => i.role === 'gm', 'GM role');
  seedActors(gm, { thorin: thorin(sess.users.mira!.userId), goblin: goblin() });
  await waitFor(() => actorOf(player, 'goblin') !== undefined, 'actors reach the player');
  return { s, sess, gm, player };
}

const lastChat = (c: SessionClient) => (c.view.get().chat as JsonObject[]).at(-1);

describe('game-system plugins on the client', () => {
  it('[EQ16][D21] act() turns a UI action into the plugin\'s intent against the view; it is predicted, sent and sequenced with the server\'s dice', async () => {
    const { s, sess, player } = await dnd5eTable();
    const { id, result } = player.act('dnd5e', { kind: 'attack', data: { attackerId: 'thorin', targetId: 'goblin', weaponId: 'longsword' } });
    const [pending] = player.pendingIntents.get();
    // createStateEvent read the weapon's dice and the target's version from the view.
    expect(pending!.intent).toMatchObject({
      id,
      type: 'plugin:dnd5e:attack',
      payload: { attackerId: 'thorin', targetId: 'goblin', weaponId: 'longsword', damageDice: '1d8' },
      expected: { entity: '/actors/goblin', version: 0 },
    });
    // Predicted without dice: a pending chat card, no HP change.
    expect(lastChat(player)).toMatchObject({ id, pending: true, card: { system: 'dnd5e' } });
    expect(actorOf(player, 'goblin')).toMatchObject({ hp: { value: 7 } });

    const ack = await result;
    expect(ack).toMatchObject({ id, success: true });
    const events = await serverEvents(s, sess.id, sess.gm.token);
    const logged = events.find((e) => e.id === id)!;
    expect(logged).toMatchObject({ type: 'plugin:dnd5e:attack', userId: sess.users.mira!.userId, status: 'applied' });
    expect((logged.payload as { rolls?: { d20: number[] } }).rolls?.d20).toHaveLength(2);
    await waitFor(() => lastChat(player)?.pending === undefined, 'the real card replaces the prediction');
    expect(lastChat(player)).toMatchObject({ id, card: { system: 'dnd5e' } });
  });

  it('[EQ13][EQ16][D4] derived() follows the view: a GM\'s own condition intent is predicted (the role is known) and shows in derived values at once', async () => {
    const { gm, player } = await dnd5eTable();
    const gmGoblin = gm.derived('dnd5e', 'goblin');
    expect(gm.derived('dnd5e', 'goblin')).toBe(gmGoblin);
    expect(gmGoblin.get()).toMatchObject({ valid: true, prone: false, speed: 30 });
    // Same object until something changes: safe to read on every render.
    expect(gmGoblin.get()).toBe(gmGoblin.get());
    expect(gm.derived('dnd5e', 'nobody').get()).toBeNull();

    const seenByPlayer: Array<DerivedState | null> = [];
    player.derived('dnd5e', 'goblin').subscribe((d) => seenByPlayer.push(d));

    gm.disconnect();
    const { result } = gm.act('dnd5e', { kind: 'condition', data: { targetId: 'goblin', condition: 'prone', action: 'add' } });
    // Offline, not yet sequenced: GM-only, so predicted only because the client knows it is the GM.
    expect(gmGoblin.get()).toMatchObject({ prone: true, speed: 15 });
    expect(player.derived('dnd5e', 'goblin').get()).toMatchObject({ prone: false });
    gm.connect();
    expect(await result).toMatchObject({ success: true });
    await waitFor(() => seenByPlayer.some((d) => (d as { prone?: boolean } | null)?.prone === true), 'the player sees the goblin prone');
    expect(player.derived('dnd5e', 'goblin').get()).toMatchObject({ prone: true, speed: 15 });
  });

  it('[EQ13][D2] a player\'s GM-only intent is not predicted and the server refuses it', async () => {
    const { player } = await dnd5eTable();
    const goblinView = player.derived('dnd5e', 'goblin');
    const { result } = player.act('dnd5e', { kind: 'condition', data: { targetId: 'goblin', condition: 'prone', action: 'add' } });
    expect(goblinView.get()).toMatchObject({ prone: false });
    expect(await result).toMatchObject({ success: false, reason: 'permission-denied' });
    expect(() => player.act('dnd5e', { kind: 'attack', data: { attackerId: 'thorin', targetId: 'goblin', weaponId: 'axe' } })).toThrow(/no weapon/);
    expect(() => player.act('pf2e', { kind: 'attack', data: {} })).toThrow(RangeError);
  });
});
