/**
 * The D&D 5e plugin end to end on a real server: concurrent attacks, area
 * spells, death saves through the GM's approval queue, offline conflicts and
 * rule enforcement. Dice are the server's; assertions read the logged rolls.
 */
import { type Ack, type JsonObject, type JsonValue, type StateEvent, type StateReader, TABLE_DOC_SCHEMA, applyPatchToDoc, createIntent, createJsonReader } from '@dungeon-lab/events';
import { dnd5ePlugin } from '@dungeon-lab/plugin-dnd5e';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { type RunningServer, connectProvider, startServer, synced, tempDir, waitFor } from './helpers.ts';
import { type IntentClient, getJson, openIntentClient } from './intent-client.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(dataDir?: string): Promise<RunningServer> {
  const running = await startServer({ plugins: [dnd5ePlugin], ...(dataDir ? { dataDir } : {}) });
  cleanups.push(() => running.stop());
  return running;
}

async function clientOf(running: RunningServer, session: string, user: string): Promise<IntentClient> {
  const c = await openIntentClient(running.wsUrl, session, user);
  cleanups.push(() => c.close());
  return c;
}

/** The GM lays out the table with a free edit: actors and tokens become nested Yjs maps. */
async function setTable(running: RunningServer, session: string, actors: Record<string, JsonObject>, tokens: Record<string, JsonObject> = {}): Promise<void> {
  const gm = connectProvider(running.wsUrl, `sessions/${session}/table`, new Y.Doc(), { user: 'gm-ann' });
  await synced(gm);
  gm.doc.transact(() => {
    applyPatchToDoc(gm.doc, TABLE_DOC_SCHEMA, [
      ...Object.entries(actors).map(([id, value]) => ({ op: 'add' as const, path: `/actors/${id}`, value })),
      ...Object.entries(tokens).map(([id, value]) => ({ op: 'add' as const, path: `/tokens/${id}`, value })),
    ]);
  });
  const probe = connectProvider(running.wsUrl, `sessions/${session}/table`, new Y.Doc(), { user: 'gm-ann' });
  await synced(probe);
  await waitFor(() => Object.keys(actors).every((id) => probe.doc.getMap('actors').has(id)), 5_000, 'table laid out');
  gm.destroy();
  probe.destroy();
}

type Actor = { hp: { value: number; max: number; temp?: number }; dead?: boolean; conditions?: string[]; deathSaves?: { successes: number; failures: number }; spellSlots?: Record<string, { max: number; used: number }> };
async function actors(running: RunningServer, session: string): Promise<Record<string, Actor>> {
  const { body } = await getJson<{ state: { actors: Record<string, Actor> } }>(`${running.url}/api/sessions/${session}/state`, {}, 'gm-ann');
  return body.state.actors;
}

/** What a client would read: the table's JSON projection. */
async function readerOf(running: RunningServer, session: string): Promise<StateReader> {
  const { body } = await getJson<{ state: JsonValue }>(`${running.url}/api/sessions/${session}/state`, {}, 'gm-ann');
  return createJsonReader(body.state);
}

async function events(running: RunningServer, session: string, from = 1): Promise<Array<StateEvent & { status: string }>> {
  const { body } = await getJson<{ events: Array<StateEvent & { status: string }> }>(`${running.url}/api/sessions/${session}/events?from=${from}&limit=1000`, {}, 'gm-ann');
  return body.events;
}

const fighter = (ownerId: string, weapon: JsonObject): JsonObject => ({
  name: ownerId,
  kind: 'character',
  ownerId,
  ac: 15,
  hp: { value: 30, max: 30, temp: 0 },
  abilities: { str: 10, dex: 10, con: 10, int: 10, wis: 10, cha: 10 },
  proficiency: 2,
  weapons: { blade: weapon },
});
const goblin: JsonObject = { name: 'Goblin', kind: 'npc', ac: 1, hp: { value: 10, max: 10, temp: 0 }, abilities: { str: 8, dex: 14, con: 10, int: 10, wis: 8, cha: 8 } };

/** Damage an attack dealt, read from the chat card its event appended (the rules' own record). */
type Card = { hit?: boolean; damage?: { taken: number } };
function dealt(state: { chat?: Array<{ id: string; card?: Card }> }, eventId: string): number {
  const card = state.chat?.find((c) => c.id === eventId)?.card;
  return card?.hit === false ? 0 : (card?.damage?.taken ?? 0);
}

describe('D&D 5e on a real server', () => {
  it('[D17] two players attack the same goblin at once: hits compose against current HP in either order and both see the result', async () => {
    const running = await start();
    for (const [session, first] of [
      ['att1', 'alice'],
      ['att2', 'bob'],
    ] as const) {
      await setTable(running, session, {
        alice: fighter('alice', { name: 'Maul', damage: '1d1+7', damageType: 'bludgeoning' }),
        bob: fighter('bob', { name: 'Club', damage: '1d1+4', damageType: 'bludgeoning' }),
        goblin,
      });
      const alice = await clientOf(running, session, 'alice');
      const bob = await clientOf(running, session, 'bob');
      const view = await readerOf(running, session);
      const attackBy = (who: string) =>
        dnd5ePlugin.createStateEvent({ kind: 'attack', data: { attackerId: who, targetId: 'goblin', weaponId: 'blade' } }, view, {
          userId: who,
          sessionId: session,
          timestamp: Date.now(),
        });
      const a = attackBy('alice');
      const b = attackBy('bob');
      // Without `expected`: both are queued against whatever the goblin is when they are sequenced.
      const aIntent = { ...a, expected: undefined };
      const bIntent = { ...b, expected: undefined };
      delete aIntent.expected;
      delete bIntent.expected;
      (first === 'alice' ? alice : bob).submit(first === 'alice' ? aIntent : bIntent);
      (first === 'alice' ? bob : alice).submit(first === 'alice' ? bIntent : aIntent);
      await waitFor(() => alice.acks.has(a.id) && bob.acks.has(b.id), 5_000, 'both attacks acked');
      expect(alice.acks.get(a.id)!.success && bob.acks.get(b.id)!.success).toBe(true);
      const { body } = await getJson<{ state: { actors: Record<string, Actor>; chat: Array<{ id: string; card?: Card }> } }>(
        `${running.url}/api/sessions/${session}/state`,
        {},
        'gm-ann',
      );
      const total = dealt(body.state, a.id) + dealt(body.state, b.id);
      expect(total).toBeGreaterThan(0);
      expect(body.state.actors.goblin!.hp.value).toBe(Math.max(0, 10 - total));
      if (total >= 10) expect(body.state.actors.goblin!.dead).toBe(true);
      // Each attacker saw the other's attack as an applied event and its own as an ack.
      await waitFor(() => alice.applied.some((e) => e.event.id === b.id) && bob.applied.some((e) => e.event.id === a.id), 5_000, 'both see both');
    }
  });

  it('[D10][D17] GM damage of 8 and 5 on a 10 HP goblin ends at 0 in both orders', async () => {
    const running = await start();
    for (const order of [
      [8, 5],
      [5, 8],
    ]) {
      const session = `dmg${order[0]}`;
      await setTable(running, session, { goblin: { ...goblin, ac: 13 } });
      const gm = await clientOf(running, session, 'gm-ann');
      const acks = await gm.request(...order.map((amount) => createIntent('plugin:dnd5e:damage', { targetId: 'goblin', amount, type: 'slashing' })));
      expect(acks.every((x) => x.success)).toBe(true);
      expect((await actors(running, session)).goblin).toMatchObject({ hp: { value: 0 }, dead: true });
    }
  });

  it('[D15] a fireball over three tokens applies each save and damage in one transaction', async () => {
    const running = await start();
    const wizard: JsonObject = {
      ...fighter('alice', { name: 'Dagger', damage: '1d4', damageType: 'piercing' }),
      abilities: { str: 8, dex: 14, con: 12, int: 18, wis: 10, cha: 10 },
      spellcastingAbility: 'int',
      spells: ['fireball'],
      spellSlots: { '3': { max: 2, used: 0 } },
    };
    const orc = (hp: number): JsonObject => ({ name: 'Orc', kind: 'npc', ac: 13, hp: { value: hp, max: hp, temp: 0 }, abilities: { str: 16, dex: 12, con: 16, int: 7, wis: 11, cha: 10 } });
    await setTable(
      running,
      'fire',
      { wizard, o1: orc(60), o2: orc(60), o3: { ...orc(60), resistances: ['fire'] }, far: orc(60) },
      { tw: { actorId: 'wizard', x: 0, y: 0 }, t1: { actorId: 'o1', x: 10, y: 10 }, t2: { actorId: 'o2', x: 11, y: 10 }, t3: { actorId: 'o3', x: 10, y: 11 }, tf: { actorId: 'far', x: 30, y: 30 } },
    );
    const alice = await clientOf(running, 'fire', 'alice');
    const viewer = connectProvider(running.wsUrl, 'sessions/fire/table', new Y.Doc(), { user: 'gm-ann' });
    cleanups.push(() => viewer.destroy());
    await synced(viewer);
    const transactions: string[][] = [];
    viewer.doc.on('afterTransaction', (tr: Y.Transaction) => {
      const changed = new Set<string>();
      tr.changed.forEach((_keys, type) => {
        let t: Y.AbstractType<unknown> | null = type as Y.AbstractType<unknown>;
        while (t?._item) t = t._item.parent as Y.AbstractType<unknown>;
        for (const [name, root] of viewer.doc.share) if (root === t) changed.add(name);
      });
      if (changed.has('actors')) transactions.push(Array.from(changed));
    });
    const cast = dnd5ePlugin.createStateEvent({ kind: 'castAoe', data: { casterId: 'wizard', spell: 'fireball', x: 10, y: 10 } }, await readerOf(running, 'fire'), { userId: 'alice', sessionId: 'fire', timestamp: Date.now() });
    const [ack] = await alice.request(cast);
    expect(ack!.success).toBe(true);
    await waitFor(() => viewer.doc.getMap('meta').get('sequence') === (ack as Extract<Ack, { success: true }>).sequence, 5_000, 'cast in the doc');
    const after = await actors(running, 'fire');
    const logged = (await events(running, 'fire')).find((e) => e.id === cast.id)!;
    const rolls = (logged.payload as { rolls: { damage: number[] } }).rolls.damage;
    const full = rolls.reduce((s, r) => s + r, 0);
    expect(rolls).toHaveLength(8);
    for (const id of ['o1', 'o2']) {
      const lost = 60 - after[id]!.hp.value;
      // Each target either failed its save (full damage) or made it (half, rounded down).
      expect([full, Math.floor(full / 2)]).toContain(lost);
    }
    const o3lost = 60 - after.o3!.hp.value;
    expect([Math.floor(full / 2), Math.floor(Math.floor(full / 2) / 2)]).toContain(o3lost);
    expect(after.far!.hp.value).toBe(60);
    expect(after.wizard!.spellSlots!['3']).toEqual({ max: 2, used: 1 });
    // Slot and all three targets changed in ONE transaction.
    expect(transactions).toHaveLength(1);
  });

  it('[D14][D18][EL13][EL14] a PC failing a third death save waits for the GM: denial keeps them alive with the reason, approval kills', async () => {
    const running = await start();
    const dying = (name: string): JsonObject => ({
      ...fighter('bob', { name: 'Sword', damage: '1d8', damageType: 'slashing' }),
      name,
      hp: { value: 0, max: 30, temp: 0 },
      conditions: ['unconscious', 'prone'],
      deathSaves: { successes: 0, failures: 2 },
    });
    for (const decision of ['deny', 'approve'] as const) {
      const session = `ds-${decision}`;
      await setTable(running, session, { thorin: dying('Thorin') });
      const bob = await clientOf(running, session, 'bob');
      const gm = await clientOf(running, session, 'gm-ann');
      // Roll death saves until one fails for the third time (a success or a 20 changes the situation; retry then).
      let pending: Ack | undefined;
      for (let attempt = 0; attempt < 40 && pending === undefined; attempt++) {
        const [ack] = await bob.request(createIntent('plugin:dnd5e:death-save', { actorId: 'thorin' }));
        if (ack!.success && (ack as { status?: string }).status === 'awaiting-approval') pending = ack;
        const now = (await actors(running, session)).thorin!;
        if (pending === undefined && (now.hp.value > 0 || now.deathSaves?.failures !== 2)) await setTable(running, session, { thorin: dying('Thorin') });
      }
      expect(pending).toBeDefined();
      const seq = (pending as Extract<Ack, { success: true }>).sequence;
      expect((await actors(running, session)).thorin!.dead ?? false).toBe(false);
      const queue = await getJson<{ approvals: Array<{ summary: string; entry: { event: { sequence: number } } }> }>(`${running.url}/api/sessions/${session}/approvals`, {}, 'gm-ann');
      expect(queue.body.approvals.map((a) => a.entry.event.sequence)).toContain(seq);
      expect(queue.body.approvals.find((a) => a.entry.event.sequence === seq)!.summary).toMatch(/Thorin.*dies/);
      const [decided] = await gm.request(
        createIntent('approval:resolve', decision === 'deny' ? { sequence: seq, decision, reason: 'the cleric reaches him' } : { sequence: seq, decision }),
      );
      expect(decided!.success).toBe(true);
      const thorin = (await actors(running, session)).thorin!;
      if (decision === 'deny') {
        expect(thorin.dead ?? false).toBe(false);
        expect(thorin.deathSaves?.failures).toBe(2);
      } else {
        expect(thorin.dead).toBe(true);
      }
    }
  });

  it('[EL13] the death-save queue survives a restart and is pushed to a reconnecting GM', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const first = await startServer({ plugins: [dnd5ePlugin], dataDir: dir.path });
    await setTable(first, 'dq', {
      thorin: { ...fighter('bob', { name: 'Sword', damage: '1d8', damageType: 'slashing' }), hp: { value: 0, max: 30, temp: 0 }, conditions: ['unconscious'], deathSaves: { successes: 0, failures: 2 } },
    });
    const gm1 = await openIntentClient(first.wsUrl, 'dq', 'gm-ann');
    // Damage at 0 HP adds a failure: the third one, so the character's death waits.
    const [ack] = await gm1.request(createIntent('plugin:dnd5e:damage', { targetId: 'thorin', amount: 3, type: 'slashing' }));
    expect(ack).toMatchObject({ success: true, status: 'awaiting-approval' });
    await gm1.close();
    await first.stop();

    const second = await start(dir.path);
    const queue = await getJson<{ approvals: Array<{ entry: { event: { sequence: number } } }> }>(`${second.url}/api/sessions/dq/approvals`, {}, 'gm-ann');
    expect(queue.body.approvals).toHaveLength(1);
    const gm = await clientOf(second, 'dq', 'gm-ann');
    const [approved] = await gm.request(createIntent('approval:resolve', { sequence: (ack as Extract<Ack, { success: true }>).sequence, decision: 'approve' }));
    expect(approved!.success).toBe(true);
    expect((await actors(second, 'dq')).thorin!.dead).toBe(true);
  });

  it('[D19] an offline player’s queued attack on a goblin killed meanwhile is rejected by the plugin, not applied blindly', async () => {
    const running = await start();
    await setTable(running, 'offline', { alice: fighter('alice', { name: 'Sword', damage: '1d8', damageType: 'slashing' }), goblin: { ...goblin, ac: 13 } });
    const alice = await clientOf(running, 'offline', 'alice');
    const gm = await clientOf(running, 'offline', 'gm-ann');
    // Alice's client prepares the attack against the goblin as she saw it (version 0), then goes offline.
    const state = await readerOf(running, 'offline');
    const queued = dnd5ePlugin.createStateEvent({ kind: 'attack', data: { attackerId: 'alice', targetId: 'goblin', weaponId: 'blade' } }, state, { userId: 'alice', sessionId: 'offline', timestamp: 0 });
    expect(queued.expected).toEqual({ entity: '/actors/goblin', version: 0 });
    await gm.request(createIntent('plugin:dnd5e:damage', { targetId: 'goblin', amount: 20, type: 'fire' }));
    const [ack] = await alice.request(queued);
    // Rejected with the plugin's reason (the rules see a dead target before the version check does).
    expect(ack).toMatchObject({ success: false, detail: expect.stringMatching(/dead/i) });
    expect(['rule-violation', 'conflict']).toContain((ack as { reason: string }).reason);
    expect((await actors(running, 'offline')).goblin).toMatchObject({ hp: { value: 0 }, dead: true });
  });

  it('[D19] a stale attack on a target that only lost HP applies; on one that turned invisible it goes to the GM', async () => {
    const running = await start();
    await setTable(running, 'stale', { alice: fighter('alice', { name: 'Sword', damage: '1d8', damageType: 'slashing' }), goblin: { ...goblin, hp: { value: 40, max: 40, temp: 0 } } });
    const alice = await clientOf(running, 'stale', 'alice');
    const gm = await clientOf(running, 'stale', 'gm-ann');
    const attack = async () =>
      dnd5ePlugin.createStateEvent({ kind: 'attack', data: { attackerId: 'alice', targetId: 'goblin', weaponId: 'blade' } }, await readerOf(running, 'stale'), {
        userId: 'alice',
        sessionId: 'stale',
        timestamp: 0,
      });
    const composes = await attack();
    await gm.request(createIntent('plugin:dnd5e:damage', { targetId: 'goblin', amount: 3, type: 'fire' }));
    const [applied] = await alice.request(composes);
    expect(applied).toMatchObject({ success: true });
    expect((applied as { status?: string }).status).toBeUndefined();

    const questionable = await attack();
    await gm.request(createIntent('plugin:dnd5e:condition', { targetId: 'goblin', condition: 'invisible', action: 'add' }));
    const [manual] = await alice.request(questionable);
    expect(manual).toMatchObject({ success: true, status: 'awaiting-approval' });
    const queue = await getJson<{ approvals: Array<{ summary: string }> }>(`${running.url}/api/sessions/stale/approvals`, {}, 'gm-ann');
    expect(queue.body.approvals[0]!.summary).toMatch(/invisible/i);
  });

  it('[D2][D3] claimed rolls and damage the rules do not allow are rejected; players cannot damage without an attack or approve', async () => {
    const running = await start();
    await setTable(running, 'rules', { alice: fighter('alice', { name: 'Dagger', damage: '1d4', damageType: 'piercing' }), goblin });
    const alice = await clientOf(running, 'rules', 'alice');
    const [forgedD20] = await alice.request(
      createIntent('plugin:dnd5e:attack', { attackerId: 'alice', targetId: 'goblin', weaponId: 'blade', damageDice: '1d4', rolls: { d20: [27, 27], damage: [4, 4] } }),
    );
    expect(forgedD20).toMatchObject({ success: false, reason: 'rule-violation' });
    const [forgedDice] = await alice.request(createIntent('plugin:dnd5e:attack', { attackerId: 'alice', targetId: 'goblin', weaponId: 'blade', damageDice: '10d12' }));
    expect(forgedDice).toMatchObject({ success: false, reason: 'rule-violation' });
    const [rawDamage] = await alice.request(createIntent('plugin:dnd5e:damage', { targetId: 'goblin', amount: 50, type: 'slashing' }));
    expect(rawDamage).toMatchObject({ success: false, reason: 'permission-denied' });
    const [notMine] = await alice.request(createIntent('plugin:dnd5e:attack', { attackerId: 'goblin', targetId: 'alice', weaponId: 'blade', damageDice: '1d4' }));
    expect(notMine!.success).toBe(false);
    const [approve] = await alice.request(createIntent('approval:resolve', { sequence: 1, decision: 'approve' }));
    expect(approve).toMatchObject({ success: false, reason: 'permission-denied' });
    expect((await actors(running, 'rules')).goblin!.hp.value).toBe(10);
  });
});
