/**
 * The security issue's test: a player's socket never receives a byte of
 * GM-doc content. A scripted session with hidden tokens, GM notes and secret
 * rolls; the player plays on a raw socket that records every frame, and
 * reads the REST API; none of the hidden marker strings may appear in
 * anything the player receives — until the GM reveals one token, whose
 * markers then do (the positive control).
 */
import { type Ack, type Intent, type IntentDefinition, type JsonObject, createIntent, createJsonReader, valid } from '@dungeon-lab/events';
import { dnd5ePlugin } from '@dungeon-lab/plugin-dnd5e';
import { decodeMessage, encodeMessage } from '@dungeon-lab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { z } from 'zod';
import { tryUpgrade } from './auth-fixture.ts';
import { type RunningServer, startServer, waitFor } from './helpers.ts';
import { chat, openIntentClient } from './intent-client.ts';
import { type RawClient, openRaw } from './raw-client.ts';
import { adds, freeEdit, readDoc } from './session-docs.ts';
import { bearer, testToken } from './test-identity.ts';

/** A GM tool that names an entity and writes nothing on the table (a plugin's GM bookkeeping). */
const mark: IntentDefinition<{ target: string }> = {
  type: 'test:mark',
  payload: z.strictObject({ target: z.string().min(1) }),
  validate: () => valid,
  reduce: () => [],
};

const SESSION = 'secret1';
const GM = 'gm-gwen';
const PLAYER = 'pat';

/** What only the GM may know, each a string that appears nowhere else. */
const HIDDEN_TOKEN = 'ZQX-HIDDEN-TOKEN-ALPHA';
const HIDDEN_ACTOR = 'ZQX-HIDDEN-ACTOR-ALPHA';
const OTHER_TOKEN = 'ZQX-HIDDEN-TOKEN-BRAVO';
const OTHER_TOKEN_ID = 'ZQX-ID-ECHO';
const NOTE = 'ZQX-GM-NOTE-CHARLIE';
const FOG = 'ZQX-FOG-GOLF';
const ROLL_LABEL = 'ZQX-SECRET-ROLL-DELTA';
const ROLL_NOTATION = '3d17+918273';
const STILL_HIDDEN = [OTHER_TOKEN, OTHER_TOKEN_ID, NOTE, FOG, ROLL_LABEL, ROLL_NOTATION];
const REVEALED = [HIDDEN_TOKEN, HIDDEN_ACTOR];

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Everything one member received over HTTP, as text. */
class RestLog {
  readonly bodies: string[] = [];

  constructor(
    private readonly url: string,
    private readonly user: string,
  ) {}

  async get(path: string): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${this.url}${path}`, { headers: bearer(this.user) });
    const text = await res.text();
    this.bodies.push(text);
    return { status: res.status, json: JSON.parse(text) as unknown };
  }
}

function acksOf(raw: RawClient): Ack[] {
  return raw.messages().flatMap((m) => (m.type === 'intent-ack' ? (m.acks as Ack[]) : []));
}

async function submitRaw(raw: RawClient, intent: Intent): Promise<Ack> {
  raw.send(encodeMessage({ type: 'intent-submit', intents: [intent] }));
  let ack: Ack | undefined;
  await waitFor(() => (ack = acksOf(raw).find((a) => a.id === intent.id)) !== undefined, 5_000, `ack of ${intent.type}`);
  return ack!;
}

/** A catch-up round trip: every frame the server sent before its answer has arrived by then. */
async function settle(raw: RawClient, from = 1): Promise<void> {
  const answers = () => raw.messages().filter((m) => m.type === 'catch-up-response').length;
  const before = answers();
  raw.send(encodeMessage({ type: 'catch-up-request', from }));
  await waitFor(() => answers() > before, 5_000, 'catch-up answer');
}

/** Which markers occur in the bytes. Yjs and lib0 write strings as UTF-8, so a plain byte search finds them. */
function found(markers: readonly string[], bytes: readonly Uint8Array[], texts: readonly string[]): string[] {
  const all = Buffer.concat([...bytes, ...texts.map((t) => Buffer.from(t, 'utf8'))]);
  return markers.filter((m) => all.includes(Buffer.from(m, 'utf8')));
}

const fighter: JsonObject = {
  name: 'Pat',
  kind: 'character',
  ownerId: PLAYER,
  ac: 15,
  hp: { value: 30, max: 30, temp: 0 },
  abilities: { str: 16, dex: 10, con: 10, int: 10, wis: 10, cha: 10 },
  weapons: { blade: { name: 'Sword', damage: '1d8', damageType: 'slashing' } },
};
const goblin: JsonObject = { name: 'Goblin', kind: 'npc', ac: 8, hp: { value: 30, max: 30, temp: 0 }, abilities: { str: 8, dex: 14, con: 10, int: 10, wis: 8, cha: 8 } };

async function layOut(running: RunningServer): Promise<void> {
  await freeEdit(running.wsUrl, SESSION, 'table', GM, [
    { op: 'add', path: '/scene/width', value: 40 },
    { op: 'add', path: '/scene/height', value: 40 },
    ...adds('actors', { pat: fighter, goblin }),
    ...adds('tokens', { 'pat-tok': { actorId: 'pat', x: 1, y: 1 }, 'gob-tok': { actorId: 'goblin', x: 2, y: 1 } }),
  ]);
  // The GM's hidden state, written as free edits over a provider for the GM room.
  await freeEdit(running.wsUrl, SESSION, 'gm', GM, [
    ...adds('tokens', {
      'hid-1': { name: HIDDEN_TOKEN, actorId: 'hid-actor-1', x: 5, y: 5 },
      [OTHER_TOKEN_ID]: { name: OTHER_TOKEN, x: 9, y: 9 },
    }),
    ...adds('actors', { 'hid-actor-1': { ...goblin, name: HIDDEN_ACTOR } }),
    ...adds('notes', { n1: { text: NOTE } }),
    ...adds('fog', { f1: { label: FOG, cells: [1, 2, 3] } }),
  ]);
}

describe('secrecy', () => {
  it('[H1][H2][H3][H4][H5][H6][EL16][EL17][A11] a player never receives a byte of GM-doc content over their socket or the REST API, until the GM reveals it', async () => {
    const running = await startServer({ plugins: [dnd5ePlugin], intents: [mark] });
    cleanups.push(() => running.dispose());
    await layOut(running);

    const player = await openRaw(running.wsUrl, `sessions/${SESSION}/table`, { sidecar: true, user: PLAYER });
    cleanups.push(() => player.ws.close());
    // Ask for the whole table doc, as a fresh client does.
    player.send(encodeMessage({ type: 'sync-step1', stateVector: Y.encodeStateVector(new Y.Doc()) }));
    const gm = await openIntentClient(running.wsUrl, SESSION, GM);
    cleanups.push(() => gm.close());
    const rest = new RestLog(running.url, PLAYER);
    const gmRest = new RestLog(running.url, GM);

    // The session: the player chats, moves and attacks; the GM rolls in secret, acts on a hidden token, chats.
    const played: Array<Ack | undefined> = [];
    played.push(await submitRaw(player, chat('hi all')));
    played.push(await submitRaw(player, createIntent('token:move', { tokenId: 'pat-tok', x: 1, y: 2 })));
    const [secret] = await gm.request(createIntent('dice:roll', { notation: ROLL_NOTATION, label: ROLL_LABEL, secret: true }));
    expect(secret!.success).toBe(true);
    const state = (await rest.get(`/api/sessions/${SESSION}/state`)).json as { state: JsonObject };
    const attack = dnd5ePlugin.createStateEvent({ kind: 'attack', data: { attackerId: 'pat', targetId: 'goblin', weaponId: 'blade' } }, createJsonReader(state.state), {
      userId: PLAYER,
      sessionId: SESSION,
      timestamp: Date.now(),
    });
    played.push(await submitRaw(player, attack));
    const gmActs = await gm.request(
      createIntent('test:mark', { target: OTHER_TOKEN_ID }),
      createIntent('dice:roll', { notation: ROLL_NOTATION, label: OTHER_TOKEN_ID, secret: true }),
      chat('the doors creak'),
    );
    expect(gmActs.every((a) => a.success)).toBe(true);
    // A GM action on a hidden actor is refused against the table; its ack goes to the GM alone.
    const [onHidden] = await gm.request(createIntent('plugin:dnd5e:damage', { targetId: 'hid-actor-1', amount: 3, type: 'fire' }));
    expect(onHidden!.success).toBe(false);
    played.push(await submitRaw(player, createIntent('dice:roll', { notation: '1d20', label: 'my own roll' })));
    expect(played.every((a) => a?.success)).toBe(true);

    // What the player may try: a secret roll, a reveal, moving a hidden token by its id.
    expect(await submitRaw(player, createIntent('dice:roll', { notation: '1d20', secret: true }))).toMatchObject({ success: false, reason: 'permission-denied' });
    expect(await submitRaw(player, createIntent('token:reveal', { tokenId: 'hid-1' }))).toMatchObject({ success: false, reason: 'permission-denied' });
    const probe = await submitRaw(player, createIntent('token:move', { tokenId: 'hid-1', x: 0, y: 0 }));
    const nothing = await submitRaw(player, createIntent('token:move', { tokenId: 'no-such', x: 0, y: 0 }));
    // No oracle: a hidden token is as absent as one that does not exist.
    expect(probe).toMatchObject({ success: false, reason: 'rule-violation', detail: 'no token "hid-1"' });
    expect(nothing).toMatchObject({ success: false, reason: 'rule-violation', detail: 'no token "no-such"' });
    expect((await tryUpgrade(running.wsUrl, `sessions/${SESSION}/gm`, { token: testToken(PLAYER) })).opened).toBe(false);

    // Every read a player can make.
    await settle(player);
    let latest = 0;
    for (let from: number | null = 1; from !== null; ) {
      const page = (await rest.get(`/api/sessions/${SESSION}/events?from=${from}&limit=3`)).json as { events: Array<{ sequence: number; redacted?: true }>; next: number | null };
      latest = page.events.at(-1)?.sequence ?? latest;
      expect(page.events.filter((e) => e.redacted).every((e) => Object.keys(e).length === 2)).toBe(true);
      from = page.next;
    }
    expect(latest).toBe(8);
    await rest.get(`/api/sessions/${SESSION}/state`);
    await rest.get(`/api/sessions/${SESSION}/checkpoints`);
    expect((await rest.get(`/api/sessions/${SESSION}/approvals`)).status).toBe(403);

    // Positive control: the markers exist where a GM looks, so their absence below means something.
    const gmPage = await gmRest.get(`/api/sessions/${SESSION}/events?from=1&limit=100`);
    expect(gmPage.status).toBe(200);
    const gmDoc = JSON.stringify(await readDoc(running.wsUrl, SESSION, 'gm', GM));
    expect(found([...STILL_HIDDEN, ...REVEALED], [], [gmDoc, ...gmRest.bodies]).sort()).toEqual([...STILL_HIDDEN, ...REVEALED].sort());

    expect(found([...STILL_HIDDEN, ...REVEALED], player.frames, rest.bodies)).toEqual([]);
    const secretTotals = (gmPage.json as { events: Array<{ payload: { secret?: boolean; result?: { total: number } } }> }).events
      .filter((e) => e.payload.secret === true)
      .map((e) => `"total":${e.payload.result!.total}`);
    expect(secretTotals).toHaveLength(2);
    expect(found(secretTotals, [], rest.bodies)).toEqual([]);
    // The player still learns that something happened at those sequences, and nothing more.
    const seen = player.messages().flatMap((m) => (m.type === 'event-applied' || m.type === 'catch-up-response' ? m.entries : []));
    expect(seen.filter((e) => (e as { redacted?: true }).redacted)).toContainEqual({ sequence: 3, redacted: true });

    // The GM reveals one token: from now on its markers reach the player, and nothing else does.
    const [reveal] = await gm.request(createIntent('token:reveal', { tokenId: 'hid-1' }));
    expect(reveal).toMatchObject({ success: true, sequence: 9 });
    await waitFor(() => found(REVEALED, player.frames, []).length === REVEALED.length, 5_000, 'revealed token reaches the player');
    player.send(encodeMessage({ type: 'sync-step1', stateVector: Y.encodeStateVector(new Y.Doc()) }));
    await settle(player);
    const after = (await rest.get(`/api/sessions/${SESSION}/state`)).json as { state: { tokens: Record<string, JsonObject> } };
    expect(after.state.tokens['hid-1']).toMatchObject({ name: HIDDEN_TOKEN });
    await rest.get(`/api/sessions/${SESSION}/events?from=1&limit=100`);
    expect(found(STILL_HIDDEN, player.frames, rest.bodies)).toEqual([]);
    const revealEntry = player.messages().flatMap((m) => (m.type === 'event-applied' ? m.entries : [])).find((e) => (e as { event?: { sequence: number } }).event?.sequence === 9);
    expect(revealEntry).toMatchObject({ event: { type: 'token:reveal' } });
    expect(revealEntry).not.toHaveProperty('gmPatch');
    expect(decodeMessage(player.frames.at(-1)!).type).toBe('catch-up-response');
  });
});
