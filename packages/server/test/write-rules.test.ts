/**
 * Per-path write rules on the table document (docs/security.md, [W1]..[W14]),
 * end to end: a real server, real sockets, updates built by hand from Yjs
 * documents. A refused update must reach nobody — not the store, not another
 * member — while legal ones in the same session keep flowing.
 */
import { type JsonPatchOp, type JsonValue, TABLE_DOC_SCHEMA, applyPatchToDoc } from '@dungeon-lab/events';
import { MessageType, type RoomScopedMessage, encodeMessage, encodeRoomEnvelope } from '@dungeon-lab/protocol';
import * as decoding from 'lib0/decoding';
import { afterEach, describe, expect, it } from 'vitest';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
import * as Y from 'yjs';
import type { WriteDenial } from '../src/index.ts';
import { type RunningServer, startServer, synced, tempDir, waitFor } from './helpers.ts';
import { getJson } from './intent-client.ts';
import { openRaw } from './raw-client.ts';
import { type TablePeer, openTablePeer } from './table-peer.ts';
import { bearer, ensureMember, testToken } from './test-identity.ts';

const SESSION = 'wr1';
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(options: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  const running = await startServer(options);
  cleanups.push(() => running.stop());
  return running;
}

async function peer(running: RunningServer, user: string): Promise<TablePeer> {
  const p = await openTablePeer(running.wsUrl, SESSION, user);
  cleanups.push(() => p.close());
  return p;
}

const patch = (ops: JsonPatchOp[]) => (doc: Y.Doc) => applyPatchToDoc(doc, TABLE_DOC_SCHEMA, ops);

/** The table the GM lays out: alice and bob each own a character and its token; a goblin; a token alice controls by list. */
async function layTable(gm: TablePeer): Promise<void> {
  const character = (name: string, ownerId: string) => ({
    name,
    kind: 'character',
    ownerId,
    hp: { value: 20, max: 20, temp: 0 },
    conditions: [],
    deathSaves: { successes: 0, failures: 0 },
    spellSlots: { '1': { max: 2, used: 0 } },
    ac: 14,
  });
  expect(
    await gm.edit(
      patch([
        { op: 'add', path: '/scene/width', value: 50 },
        { op: 'add', path: '/actors/a-alice', value: character('Alia', 'alice') },
        { op: 'add', path: '/actors/a-bob', value: character('Bram', 'bob') },
        { op: 'add', path: '/actors/goblin', value: { name: 'Goblin', kind: 'npc', hp: { value: 7, max: 7, temp: 0 } } },
        { op: 'add', path: '/tokens/t-alice', value: { actorId: 'a-alice', x: 1, y: 1 } },
        { op: 'add', path: '/tokens/t-bob', value: { actorId: 'a-bob', x: 2, y: 2 } },
        { op: 'add', path: '/tokens/t-goblin', value: { actorId: 'goblin', x: 9, y: 9 } },
        { op: 'add', path: '/tokens/t-cart', value: { x: 5, y: 5, controlledBy: ['carol', 'alice'] } },
      ]),
    ),
  ).toBe('applied');
}

const chatEntry = (id: string, userId: string, text = `hello from ${userId}`): JsonValue => ({ id, userId, text, timestamp: 1 });

/** The table as the server's REST API projects it: what everyone reads. */
async function tableState(running: RunningServer): Promise<Record<string, JsonValue>> {
  const { status, body } = await getJson<{ state: Record<string, JsonValue> }>(`${running.url}/api/sessions/${SESSION}/state`, {}, 'gm-ann');
  expect(status).toBe(200);
  return body.state;
}

function chatIndex(mirror: Y.Doc, id: string): number {
  return mirror
    .getArray<Y.Map<unknown>>('chat')
    .toArray()
    .findIndex((entry) => entry.get('id') === id);
}

describe('write rules on the table document', () => {
  it('[W5][W3][W11] a hand-crafted update from a player that sets HP, moves another player\'s token, or deletes chat entries is rejected and not seen by anyone else; a legal update in the same session still flows', async () => {
    const running = await start();
    const gm = await peer(running, 'gm-ann');
    const alice = await peer(running, 'alice');
    const bob = await peer(running, 'bob');
    await layTable(gm);
    expect(await bob.edit(patch([{ op: 'add', path: '/chat/-', value: chatEntry('m-bob', 'bob') }]))).toBe('applied');
    await waitFor(() => chatIndex(alice.mirror, 'm-bob') === 0, 5_000, 'bob\'s message at alice');

    const illegal = [
      alice.build(patch([{ op: 'replace', path: '/actors/a-alice/hp/value', value: 999 }])),
      alice.build(patch([{ op: 'replace', path: '/tokens/t-bob/x', value: 40 }])),
      alice.build((doc) => doc.getArray('chat').delete(0, 1)),
    ];
    for (const update of illegal) expect(await alice.attempt(update)).toBe('denied');
    expect(alice.denials[0]).toMatch(/^\[W5\] set \/actors\/a-alice\/hp\/value: server only/);
    expect(alice.denials[1]).toMatch(/^\[W3\] set \/tokens\/t-bob\/x: gm or token-controller only/);
    expect(alice.denials[2]).toMatch(/^\[W11\] remove \/chat\/0: gm or author only/);

    // A legal edit after the refused ones reaches everyone, and nothing refused came before it.
    const move = alice.build(patch([{ op: 'replace', path: '/tokens/t-alice/x', value: 3 }]));
    expect(await alice.attempt(move)).toBe('applied');
    await waitFor(() => bob.sees(move) && gm.sees(move), 5_000, 'the legal move at bob and the GM');
    for (const update of illegal) {
      expect(bob.sees(update)).toBe(false);
      expect(gm.sees(update)).toBe(false);
    }
    expect(bob.denials).toEqual([]);
    const state = (await tableState(running)) as { actors: Record<string, { hp: { value: number } }>; tokens: Record<string, { x: number }>; chat: unknown[] };
    expect(state.actors['a-alice']!.hp.value).toBe(20);
    expect(state.tokens['t-bob']!.x).toBe(2);
    expect(state.tokens['t-alice']!.x).toBe(3);
    expect(state.chat).toHaveLength(1);
  });

  it('[W3][W5][W6] the GM may move any token but not set HP (even an NPC\'s), conditions or spent slots; those change through intents', async () => {
    const running = await start();
    const gm = await peer(running, 'gm-ann');
    await layTable(gm);
    expect(await gm.edit(patch([{ op: 'replace', path: '/tokens/t-bob/x', value: 30 }, { op: 'replace', path: '/tokens/t-goblin/y', value: 0 }]))).toBe('applied');
    expect(await gm.edit(patch([{ op: 'replace', path: '/actors/goblin/hp/value', value: 0 }]))).toBe('denied');
    expect(await gm.edit(patch([{ op: 'add', path: '/actors/a-bob/conditions/-', value: 'prone' }]))).toBe('denied');
    expect(await gm.edit(patch([{ op: 'replace', path: '/actors/a-bob/spellSlots/1/used', value: 2 }]))).toBe('denied');
    // Replacing the whole HP object is writing HP too.
    expect(await gm.edit(patch([{ op: 'replace', path: '/actors/a-bob/hp', value: { value: 1, max: 1 } }]))).toBe('denied');
    expect(gm.denials.map((d) => d.slice(0, 5))).toEqual(['[W5] ', '[W5] ', '[W6] ', '[W5] ']);
    // Other actor fields are the GM's: stats, ownership, a new actor with its starting HP.
    expect(await gm.edit(patch([{ op: 'replace', path: '/actors/a-bob/ac', value: 16 }, { op: 'replace', path: '/actors/a-bob/spellSlots/1/max', value: 3 }]))).toBe('applied');
    expect(await gm.edit(patch([{ op: 'add', path: '/actors/orc', value: { name: 'Orc', kind: 'npc', hp: { value: 15, max: 15 } } }]))).toBe('applied');
    const state = (await tableState(running)) as { actors: Record<string, { hp: { value: number }; ac?: number; conditions?: string[] }>; tokens: Record<string, { x: number }> };
    expect(state.tokens['t-bob']!.x).toBe(30);
    expect(state.actors.goblin!.hp.value).toBe(7);
    expect(state.actors['a-bob']).toMatchObject({ hp: { value: 20 }, conditions: [], ac: 16 });
    expect(state.actors.orc!.hp.value).toBe(15);
  });

  it('[W3][W4] players move only tokens they control (their actor, or listed in controlledBy), only x/y/rotation, only to numbers; placing and removing tokens is the GM\'s', async () => {
    const running = await start();
    const gm = await peer(running, 'gm-ann');
    const alice = await peer(running, 'alice');
    await layTable(gm);
    expect(await alice.edit(patch([{ op: 'replace', path: '/tokens/t-alice/x', value: 4 }, { op: 'add', path: '/tokens/t-alice/rotation', value: 90 }]))).toBe('applied');
    expect(await alice.edit(patch([{ op: 'replace', path: '/tokens/t-cart/y', value: 6 }]))).toBe('applied');
    const refused: JsonPatchOp[][] = [
      [{ op: 'replace', path: '/tokens/t-goblin/x', value: 4 }],
      [{ op: 'replace', path: '/tokens/t-alice/x', value: 'far away' }],
      [{ op: 'replace', path: '/tokens/t-alice/actorId', value: 'goblin' }],
      [{ op: 'remove', path: '/tokens/t-alice/y' }],
      [{ op: 'add', path: '/tokens/t-new', value: { actorId: 'a-alice', x: 0, y: 0 } }],
      [{ op: 'remove', path: '/tokens/t-bob' }],
    ];
    for (const ops of refused) expect(await alice.edit(patch(ops)), JSON.stringify(ops)).toBe('denied');
    expect(alice.denials.map((d) => d.split(':')[0])).toEqual([
      '[W3] set /tokens/t-goblin/x',
      '[W3] set /tokens/t-alice/x',
      '[W4] set /tokens/t-alice/actorId',
      '[W4] unset /tokens/t-alice/y',
      '[W4] set /tokens/t-new',
      '[W4] unset /tokens/t-bob',
    ]);
    expect(await gm.edit(patch([{ op: 'add', path: '/tokens/t-new', value: { actorId: 'a-alice', x: 0, y: 0 } }, { op: 'remove', path: '/tokens/t-bob' }]))).toBe('applied');
    const state = (await tableState(running)) as { tokens: Record<string, JsonValue> };
    expect(state.tokens['t-alice']).toEqual({ actorId: 'a-alice', x: 4, y: 1, rotation: 90 });
    expect(state.tokens['t-cart']).toMatchObject({ y: 6 });
    expect(Object.keys(state.tokens).sort()).toEqual(['t-alice', 't-cart', 't-goblin', 't-new']);
  });

  it('[W10][W11][W12][W13] chat and dice: members append entries in their own name; forged authors, edits and other people\'s deletions are refused; the GM may delete any', async () => {
    const running = await start();
    const gm = await peer(running, 'gm-ann');
    const alice = await peer(running, 'alice');
    const bob = await peer(running, 'bob');
    await layTable(gm);
    expect(await alice.edit(patch([{ op: 'add', path: '/chat/-', value: chatEntry('m1', 'alice') }]))).toBe('applied');
    expect(await bob.edit(patch([{ op: 'add', path: '/chat/-', value: chatEntry('m2', 'bob') }]))).toBe('applied');
    expect(await gm.edit(patch([{ op: 'add', path: '/chat/-', value: chatEntry('m3', 'gm-ann') }]))).toBe('applied');
    // A stock client pushes one plain value; that is an entry too.
    expect(await bob.edit((doc) => doc.getArray('chat').push([chatEntry('m4', 'bob')]))).toBe('applied');
    expect(await alice.edit(patch([{ op: 'add', path: '/dice/-', value: { id: 'r1', userId: 'alice', notation: '1d20', total: 3 } }]))).toBe('applied');
    await waitFor(() => alice.mirror.getArray('chat').length === 4, 5_000, 'four messages at alice');

    const refused: Array<[TablePeer, (doc: Y.Doc) => void, string]> = [
      [alice, patch([{ op: 'add', path: '/chat/-', value: chatEntry('m5', 'bob') }]), '[W10] append /chat/-'],
      [alice, patch([{ op: 'add', path: '/chat/-', value: { id: 'm6', text: 'nobody' } }]), '[W10] append /chat/-'],
      [gm, (doc) => doc.getArray('chat').push([chatEntry('m7', 'alice')]), '[W10] append /chat/-'],
      [alice, (doc) => doc.getArray('chat').push(['just a string']), '[W10] append /chat/-'],
      [alice, patch([{ op: 'replace', path: '/chat/1/text', value: 'bob was wrong' }]), '[W13] set /chat/1/text'],
      [alice, patch([{ op: 'replace', path: '/chat/0/text', value: 'edited' }]), '[W13] set /chat/0/text'],
      [alice, (doc) => doc.getArray('chat').delete(1, 1), '[W11] remove /chat/1'],
      [alice, (doc) => doc.getArray('chat').delete(3, 1), '[W11] remove /chat/3'],
      [alice, (doc) => doc.getArray('chat').insert(0, [chatEntry('m0', 'alice')]), '[W13] insert /chat/0'],
      [alice, (doc) => doc.getArray('dice').delete(0, 1), '[W12] remove /dice/0'],
    ];
    for (const [who, fn, expected] of refused) {
      expect(await who.edit(fn), expected).toBe('denied');
      expect(who.denials.at(-1)!.split(':')[0]).toBe(expected);
    }
    // Retracting one's own message is allowed; the GM moderates anyone's.
    expect(await alice.edit((doc) => doc.getArray('chat').delete(0, 1))).toBe('applied');
    expect(await gm.edit((doc) => doc.getArray('chat').delete(0, 1))).toBe('applied');
    expect(await gm.edit((doc) => doc.getArray('dice').delete(0, 1))).toBe('applied');
    const state = (await tableState(running)) as { chat: Array<{ id: string; text: string }>; dice: unknown[] };
    expect(state.chat.map((m) => m.id)).toEqual(['m3', 'm4']);
    expect(state.dice).toEqual([]);
  });

  it('[W1][W14][W13] /meta is written by nobody but the server, a new root type is refused, and a list root takes no keys', async () => {
    const running = await start();
    const gm = await peer(running, 'gm-ann');
    const alice = await peer(running, 'alice');
    for (const who of [gm, alice]) {
      expect(await who.edit((doc) => doc.getMap('meta').set('sequence', 1000))).toBe('denied');
      expect(await who.edit((doc) => doc.getMap('secrets').set('k', 1))).toBe('denied');
      expect(await who.edit((doc) => doc.getText('notes').insert(0, 'hi'))).toBe('denied');
      expect(await who.edit((doc) => doc.getMap('chat').set('pinned', 'x'))).toBe('denied');
    }
    expect(gm.denials.map((d) => d.split(':')[0])).toEqual(['[W1] set /meta/sequence', '[W14] set /secrets/k', '[W14] append /notes/-', '[W13] set /chat/pinned']);
    expect(alice.denials.map((d) => d.split(':')[0])).toEqual(gm.denials.map((d) => d.split(':')[0]));
    // A brand-new reader sees none of it: no root was created on the server either.
    const reader = await peer(running, 'bob');
    expect(Array.from(reader.mirror.share.keys())).toEqual([]);
  });

  it('[W2][W7][W8] players write their own character\'s notes and UI state; versions, ownership, stats and other characters are not theirs', async () => {
    const running = await start();
    const gm = await peer(running, 'gm-ann');
    const alice = await peer(running, 'alice');
    await layTable(gm);
    expect(
      await alice.edit((doc) => {
        const actor = doc.getMap<Y.Map<unknown>>('actors').get('a-alice')!;
        const notes = new Y.Text();
        actor.set('notes', notes);
        notes.insert(0, 'owes the innkeeper');
        actor.set('ui', new Y.Map([['collapsed', true]]));
      }),
    ).toBe('applied');
    // Typing into the text afterwards: inserts into a list below notes.
    expect(await alice.edit((doc) => (doc.getMap<Y.Map<Y.Text>>('actors').get('a-alice')!.get('notes') as Y.Text).insert(0, 'Still '))).toBe('applied');
    const refused: JsonPatchOp[][] = [
      [{ op: 'add', path: '/actors/a-alice/_version', value: 99 }],
      [{ op: 'replace', path: '/actors/a-alice/ownerId', value: 'bob' }],
      [{ op: 'replace', path: '/actors/a-alice/ac', value: 30 }],
      [{ op: 'add', path: '/actors/a-bob/notes', value: 'bob snores' }],
      [{ op: 'remove', path: '/actors/a-alice' }],
      [{ op: 'add', path: '/actors/a-alice2', value: { name: 'Alt', ownerId: 'alice', hp: { value: 99, max: 99 } } }],
    ];
    for (const ops of refused) expect(await alice.edit(patch(ops)), JSON.stringify(ops)).toBe('denied');
    expect(alice.denials.map((d) => d.split(':')[0])).toEqual([
      '[W2] set /actors/a-alice/_version',
      '[W8] set /actors/a-alice/ownerId',
      '[W8] set /actors/a-alice/ac',
      '[W7] set /actors/a-bob/notes',
      '[W8] unset /actors/a-alice',
      '[W8] set /actors/a-alice2',
    ]);
    const state = (await tableState(running)) as { actors: Record<string, Record<string, JsonValue>> };
    expect(state.actors['a-alice']).toMatchObject({ notes: 'Still owes the innkeeper', ui: { collapsed: true }, ownerId: 'alice', ac: 14 });
    expect(state.actors['a-bob']!.notes).toBeUndefined();
  });

  it('[W16] the refused sender gets `auth` naming the path, then the room\'s state (step 1 and step 2); every denial is reported to onDenied', async () => {
    const denied: WriteDenial[] = [];
    const running = await start({ onDenied: (d) => denied.push(d) });
    const gm = await peer(running, 'gm-ann');
    const alice = await peer(running, 'alice');
    await layTable(gm);
    const from = alice.received.length;
    expect(await alice.edit(patch([{ op: 'replace', path: '/actors/a-bob/hp/value', value: 0 }]))).toBe('denied');
    await waitFor(() => alice.received.slice(from).some((m) => m.type === 'sync-step2'), 5_000, 'the resync');
    expect(alice.received.slice(from).map((m) => m.type)).toEqual(['auth-denied', 'sync-step1', 'sync-step2']);
    const [auth, step1, step2] = alice.received.slice(from);
    expect(auth).toEqual({ type: 'auth-denied', reason: '[W5] set /actors/a-bob/hp/value: server only (rule-bound: changed through intents)' });
    expect(step1!.type === 'sync-step1' && Y.decodeStateVector(step1.stateVector)).toEqual(Y.decodeStateVector(Y.encodeStateVector(gm.mirror)));
    // Step 2 is the whole integrated document: a client that starts over from it has the server's state.
    const fresh = new Y.Doc();
    if (step2!.type === 'sync-step2') Y.applyUpdate(fresh, step2.update);
    expect(fresh.getMap('actors').toJSON()).toEqual(gm.mirror.getMap('actors').toJSON());
    expect(denied).toEqual([
      { sessionId: SESSION, userId: 'alice', room: `sessions/${SESSION}/table`, path: '/actors/a-bob/hp/value', ruleId: 'W5', reason: auth!.type === 'auth-denied' ? auth.reason : '' },
    ]);
    // And it is in the session's audit log, for the GM to read.
    type Page = { entries: Array<{ actor: string; action: string; outcome: string; target?: string }> };
    let entries: Page['entries'] = [];
    for (let i = 0; i < 50 && !entries.some((e) => e.action === 'write.refused'); i++) {
      entries = (await getJson<Page>(`${running.url}/api/sessions/${SESSION}/audit`, {}, 'gm-ann')).body.entries ?? [];
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(entries.find((e) => e.action === 'write.refused')).toMatchObject({ actor: 'alice', outcome: 'denied', target: '/actors/a-bob/hp/value' });
  });

  it('[W19][W21] a player\'s offline token moves pass as sync step 2 after a reconnect; one illegal operation refuses that whole step 2', async () => {
    const running = await start();
    const gm = await peer(running, 'gm-ann');
    await layTable(gm);
    await ensureMember(running.wsUrl, SESSION, 'alice');
    const provider = (doc: Y.Doc) => {
      const p = new WebsocketProvider(running.wsUrl, `sessions/${SESSION}/table`, doc, {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        disableBc: true,
        params: { token: testToken('alice') },
      });
      cleanups.push(() => p.destroy());
      return p;
    };
    const doc = new Y.Doc();
    const online = provider(doc);
    await synced(online);
    online.disconnect();
    const token = () => doc.getMap<Y.Map<number>>('tokens').get('t-alice')!;
    for (let x = 10; x <= 15; x++) token().set('x', x);
    token().set('y', 7);
    online.connect();
    await waitFor(() => gm.mirror.getMap<Y.Map<number>>('tokens').get('t-alice')?.get('x') === 15, 5_000, 'the offline moves at the GM');
    expect(gm.mirror.getMap<Y.Map<number>>('tokens').get('t-alice')!.get('y')).toBe(7);

    // Offline again: a legal move and an HP edit. The reconnect's step 2 carries both and is refused whole.
    const refusals: string[] = [];
    online.messageHandlers[MessageType.Auth] = (_encoder, decoder) => {
      decoding.readVarUint(decoder);
      refusals.push(decoding.readVarString(decoder));
    };
    online.disconnect();
    token().set('x', 20);
    doc.getMap<Y.Map<Y.Map<number>>>('actors').get('a-alice')!.get('hp')!.set('value', 99);
    online.connect();
    await waitFor(() => refusals.length === 1, 5_000, 'the refusal of the step 2');
    expect(refusals[0]).toMatch(/^\[W5\] set \/actors\/a-alice\/hp\/value: /);
    // A legal edit of someone else after it still flows, and the GM saw nothing of the refused step 2.
    const alice = await peer(running, 'alice');
    const move = alice.build(patch([{ op: 'replace', path: '/tokens/t-alice/y', value: 8 }]));
    expect(await alice.attempt(move)).toBe('applied');
    await waitFor(() => gm.sees(move), 5_000, 'the legal edit at the GM');
    expect(gm.mirror.getMap<Y.Map<number>>('tokens').get('t-alice')!.get('x')).toBe(15);
    expect(gm.mirror.getMap<Y.Map<Y.Map<number>>>('actors').get('a-alice')!.get('hp')!.get('value')).toBe(20);

    // Stock y-websocket keeps the refused operations, and every later edit of that doc comes after a gap the server will never fill.
    token().set('x', 21);
    await waitFor(() => refusals.length === 2, 5_000, 'the refusal of a later edit');
    expect(refusals[1]).toMatch(/^update not applied: operations of client \d+ from clock \d+ are missing$/);
    expect(token().get('x')).toBe(21);
    expect(gm.mirror.getMap<Y.Map<number>>('tokens').get('t-alice')!.get('x')).toBe(15);
  });

  it('[W18] updates that depend on operations the server lacks are refused, never parked: what they needed arriving later does not bring them in', async () => {
    const running = await start();
    const gm = await peer(running, 'gm-ann');
    const alice = await peer(running, 'alice');
    await layTable(gm);
    // Two edits of one client: the second builds on the first, which the server has not seen yet.
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(alice.mirror));
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    const notes = new Y.Text();
    doc.getMap<Y.Map<unknown>>('actors').get('a-alice')!.set('notes', notes);
    notes.insert(0, 'first');
    notes.insert(5, ' second');
    expect(updates).toHaveLength(3);
    expect(await alice.attempt(updates[2]!)).toBe('denied');
    expect(alice.denials.at(-1)).toMatch(/^update not applied: operations of client \d+ from clock 0 are missing$/);
    // Hand-crafted: a later edit of another client that refers to an item nobody sent.
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
    const refersToUnknown: Uint8Array[] = [];
    other.on('update', (u: Uint8Array) => refersToUnknown.push(u));
    (other.getMap<Y.Map<Y.Text>>('actors').get('a-alice')!.get('notes') as Y.Text).insert(12, '!');
    expect(await alice.attempt(refersToUnknown[0]!)).toBe('denied');
    expect(alice.denials.at(-1)).toMatch(/which the server does not have$/);
    // Now the first two arrive, in order: they apply, and the refused ones stay out.
    expect(await alice.attempt(updates[0]!)).toBe('applied');
    expect(await alice.attempt(updates[1]!)).toBe('applied');
    const state = (await tableState(running)) as { actors: Record<string, { notes: string }> };
    expect(state.actors['a-alice']!.notes).toBe('first');
  });

  it('[W16] a stored table never holds a refused change: after a restart only the legal edits are there', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const first = await start({ dataDir: dir.path });
    const gm = await peer(first, 'gm-ann');
    const bob = await peer(first, 'bob');
    await layTable(gm);
    expect(await bob.edit(patch([{ op: 'replace', path: '/tokens/t-bob/x', value: 12 }]))).toBe('applied');
    expect(await bob.edit(patch([{ op: 'replace', path: '/actors/a-bob/hp/value', value: 1000 }]))).toBe('denied');
    expect(await bob.edit(patch([{ op: 'replace', path: '/tokens/t-alice/x', value: 12 }]))).toBe('denied');
    expect(await bob.edit((doc) => doc.getMap('meta').set('sequence', 7))).toBe('denied');
    await gm.close();
    await bob.close();
    await first.stop();

    const second = await start({ dataDir: dir.path });
    const state = (await tableState(second)) as { actors: Record<string, { hp: { value: number } }>; tokens: Record<string, { x: number }>; meta?: unknown };
    expect(state.tokens['t-bob']!.x).toBe(12);
    expect(state.tokens['t-alice']!.x).toBe(1);
    expect(state.actors['a-bob']!.hp.value).toBe(20);
    expect((state.meta as { sequence?: number } | undefined)?.sequence).not.toBe(7);
  });

  it('[W15][W16] the rules hold for a table joined through a room envelope: the refusal comes back enveloped, the socket keeps its rooms', async () => {
    const running = await start();
    const gm = await peer(running, 'gm-ann');
    await layTable(gm);
    const table = `sessions/${SESSION}/table`;
    const raw = await openRaw(running.wsUrl, `sessions/${SESSION}/players/alice`, { user: 'alice', sidecar: true });
    cleanups.push(() => raw.ws.close());
    const enveloped = (): RoomScopedMessage[] => raw.messages().flatMap((m) => (m.type === 'room' && m.room === table ? [m.message] : []));
    raw.send(encodeRoomEnvelope(table, encodeMessage({ type: 'sync-step1', stateVector: new Uint8Array([0]) })));
    await waitFor(() => enveloped().some((m) => m.type === 'sync-step2'), 5_000, 'the enveloped join');
    const illegal = gm.build(patch([{ op: 'replace', path: '/actors/a-bob/hp/value', value: 1 }]));
    raw.send(encodeRoomEnvelope(table, encodeMessage({ type: 'sync-update', update: illegal })));
    await waitFor(() => enveloped().some((m) => m.type === 'auth-denied'), 5_000, 'the enveloped refusal');
    expect(enveloped().find((m) => m.type === 'auth-denied')).toEqual({ type: 'auth-denied', reason: expect.stringMatching(/^\[W5\] set \/actors\/a-bob\/hp\/value: /) });
    const legal = gm.build(patch([{ op: 'replace', path: '/tokens/t-alice/x', value: 6 }]));
    raw.send(encodeRoomEnvelope(table, encodeMessage({ type: 'sync-update', update: legal })));
    await waitFor(() => gm.sees(legal), 5_000, 'the legal move at the GM');
    expect(gm.sees(illegal)).toBe(false);
    expect(raw.closeCode()).toBeNull();
  });

  it('[W20] roles follow membership at once: a GM demoted to player writes as a player from the next update on, and as a GM again once promoted', async () => {
    const running = await start();
    const ann = await peer(running, 'gm-ann');
    await layTable(ann);
    const bo = await peer(running, 'gm-bo');
    const setRole = async (role: 'gm' | 'player') => {
      const res = await fetch(`${running.url}/api/sessions/${SESSION}/members/gm-bo`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', ...bearer('gm-ann') },
        body: JSON.stringify({ role }),
      });
      expect(res.status).toBe(200);
    };
    const moveGoblin = (x: number) => bo.edit(patch([{ op: 'replace', path: '/tokens/t-goblin/x', value: x }]));
    expect(await moveGoblin(3)).toBe('applied');
    await setRole('player');
    expect(await moveGoblin(4)).toBe('denied');
    expect(bo.denials.at(-1)).toMatch(/^\[W3\] set \/tokens\/t-goblin\/x: gm or token-controller only/);
    await setRole('gm');
    expect(await moveGoblin(5)).toBe('applied');
  });

  it('[W15] only the table is guarded: the GM and player documents and rooms outside sessions take any edit from who may open them', async () => {
    const running = await start();
    await ensureMember(running.wsUrl, SESSION, 'gm-ann');
    await ensureMember(running.wsUrl, SESSION, 'alice');
    const open = async (room: string, user: string) => {
      const doc = new Y.Doc();
      const p = new WebsocketProvider(running.wsUrl, room, doc, {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        disableBc: true,
        params: { token: testToken(user) },
      });
      cleanups.push(() => p.destroy());
      await synced(p);
      return p;
    };
    for (const [room, user] of [[`sessions/${SESSION}/players/alice`, 'alice'], [`sessions/${SESSION}/gm`, 'gm-ann'], ['free/table', 'alice']] as const) {
      const writer = await open(room, user);
      writer.doc.transact(() => {
        writer.doc.getMap('meta').set('sequence', 5);
        writer.doc.getMap('anything').set('hp', 1);
      });
      const reader = await open(room, user);
      await waitFor(() => reader.doc.getMap('anything').get('hp') === 1 && reader.doc.getMap('meta').get('sequence') === 5, 5_000, `edits in ${room}`);
    }
  });
});
