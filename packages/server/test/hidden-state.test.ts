/**
 * Hidden state on a real server: effects on the GM document ([EL16]), who
 * receives which log entries ([EL17]) and per-document recovery ([EL18]).
 */
import {
  type Ack,
  type ApprovalResolution,
  type IntentDefinition,
  type JsonObject,
  type LogEntry,
  type LogEntryView,
  createIntent,
  valid,
} from '@dungeon-lab/events';
import type { GameSystemPlugin } from '@dungeon-lab/plugin-api';
import { GM_DOC_SCHEMA, applyPatchToDoc, projectDoc, TABLE_DOC_SCHEMA } from '@dungeon-lab/events';
import { encodeMessage } from '@dungeon-lab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { encodeLogEntry } from '../src/event-log/log-codec.ts';
import * as Y from 'yjs';
import { type RunningServer, connectProvider, startServer, synced, tempDir, waitFor } from './helpers.ts';
import { type IntentClient, chat, getJson, openIntentClient } from './intent-client.ts';
import { openRaw } from './raw-client.ts';
import { adds, freeEdit, readDoc } from './session-docs.ts';

/** A player's aside to the GM, kept as a GM note: for GMs only, yet its sender sees it ([EL16], [EL17]). */
const whisper: IntentDefinition<{ text: string }> = {
  type: 'test:whisper',
  payload: z.strictObject({ text: z.string().min(1) }),
  validate: () => valid,
  reduce: () => [],
  effects: (e) => ({ table: [], gm: [{ op: 'add', path: `/notes/${e.id}`, value: { from: e.userId, text: e.payload.text } }], audience: 'gm' }),
};

/** A GM tool that names an entity and changes nothing on the table: who reads its entry is left to the server ([EL17]). */
const nudge: IntentDefinition<{ target: string }> = {
  type: 'test:nudge',
  payload: z.strictObject({ target: z.string().min(1) }),
  validate: () => valid,
  reduce: () => [],
};

/**
 * A game system whose `doom` is always critical and writes a GM note: its
 * approval path carries GM-doc effects and, naming a hidden entity, a
 * GM-only audience ([EL16], [EL17]).
 */
const doom: IntentDefinition<{ target: string }> = {
  type: 'plugin:hs:doom',
  payload: z.strictObject({ target: z.string().min(1) }),
  validate: () => valid,
  reduce: () => [],
  effects: (e) => ({ table: [], gm: [{ op: 'add', path: `/notes/doom-${e.payload.target}`, value: { by: e.userId } }] }),
};
const hs: GameSystemPlugin = {
  id: 'hs',
  name: 'Hidden-state test system',
  version: '1.0.0',
  intents: [doom],
  createStateEvent: (action) => createIntent(`plugin:hs:${action.kind}`, action.data),
  validateStateChange: () => valid,
  resolveConflict: () => ({ kind: 'reject', reason: 'changed' }),
  computeDerivedState: () => ({}),
  isCritical: () => ({ summary: 'doom' }),
};

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(dataDir?: string): Promise<RunningServer> {
  const running = await startServer({ intents: [whisper, nudge], plugins: [hs], ...(dataDir ? { dataDir } : {}) });
  cleanups.push(() => running.stop());
  return running;
}

async function client(running: RunningServer, session: string, user: string): Promise<IntentClient> {
  const c = await openIntentClient(running.wsUrl, session, user);
  cleanups.push(() => c.close());
  return c;
}

type Page = { events: Array<Record<string, unknown> & { sequence: number }>; next: number | null };
type State = {
  version: number;
  state: { tokens: Record<string, JsonObject>; actors: Record<string, JsonObject>; dice: JsonObject[]; chat: JsonObject[]; meta: JsonObject };
};

const secretRoll = (label: string) => createIntent('dice:roll', { notation: '1d20+2', label, secret: true });
const sequences = (entries: readonly (LogEntryView | LogEntry)[]) => entries.map((e) => ('redacted' in e ? e.sequence : e.event.sequence));
const ok = (ack: Ack | undefined) => (ack?.success ? ack.sequence : ack?.reason);

describe('multi-document effects', () => {
  it('[EL16][EM20][H2] token:reveal moves a hidden token and its actor from the GM doc onto the table in one logged event', async () => {
    const running = await server();
    await freeEdit(running.wsUrl, 'rv1', 'gm', 'gm-gus', [
      ...adds('tokens', { t1: { name: 'Shade', actorId: 'a1', x: 3, y: 4 } }),
      ...adds('actors', { a1: { name: 'Shade', hp: 9 } }),
      ...adds('notes', { n1: { text: 'the shade is the butler' } }),
    ]);
    const gm = await client(running, 'rv1', 'gm-gus');
    const gmWatch = await client(running, 'rv1', 'gm-gus');
    const player = await client(running, 'rv1', 'pia');
    const before = await getJson<State>(`${running.url}/api/sessions/rv1/state`, {}, 'pia');
    expect(before.body.state.tokens).toEqual({});

    const reveal = createIntent('token:reveal', { tokenId: 't1' });
    const [denied] = await player.request(createIntent('token:reveal', { tokenId: 't1' }));
    expect(denied).toMatchObject({ success: false, reason: 'permission-denied' });
    const [ack] = await gm.request(reveal);
    expect(ack).toMatchObject({ success: true, sequence: 1 });

    const after = await getJson<State>(`${running.url}/api/sessions/rv1/state`, {}, 'pia');
    expect(after.body.version).toBe(1);
    expect(after.body.state.tokens.t1).toEqual({ name: 'Shade', actorId: 'a1', x: 3, y: 4, _version: 1 });
    expect(after.body.state.actors.a1).toEqual({ name: 'Shade', hp: 9, _version: 1 });
    const hidden = await readDoc(running.wsUrl, 'rv1', 'gm', 'gm-gus');
    expect(hidden).toMatchObject({ tokens: {}, actors: {}, notes: { n1: { text: 'the shade is the butler' } }, meta: { sequence: 1 } });

    // One entry: the GM sees both patches, the player the table's only.
    await waitFor(() => gmWatch.applied.length === 1 && player.applied.length === 1, 5_000, 'reveal broadcast');
    expect(gmWatch.applied[0]).toMatchObject({
      event: { type: 'token:reveal', payload: { tokenId: 't1' } },
      patch: [{ op: 'add', path: '/tokens/t1' }, { op: 'add', path: '/actors/a1' }],
      gmPatch: [{ op: 'remove', path: '/tokens/t1' }, { op: 'remove', path: '/actors/a1' }],
    });
    expect(player.applied[0]!.patch).toEqual(gmWatch.applied[0]!.patch);
    expect(player.applied[0]).not.toHaveProperty('gmPatch');

    const [again] = await gm.request(createIntent('token:reveal', { tokenId: 't1' }));
    expect(again).toMatchObject({ success: false, reason: 'rule-violation' });
  });

  it('[EL16][EM23][EM20][H7] token:hide takes a token (and its monster actor) off the table in one event; the player never receives it again while the GM drags it; a reveal brings it back', async () => {
    const running = await server();
    const TOKEN = 'shade-7f3a';
    const ACTOR = 'shade-actor-9c';
    const DRAGGED = 'ZQX-DRAGGED-WHILE-HIDDEN';
    await freeEdit(running.wsUrl, 'hd1', 'table', 'gm-gus', [
      ...adds('tokens', { [TOKEN]: { name: 'Shade', actorId: ACTOR, x: 3, y: 4 }, 'mira-1': { name: 'Mira', actorId: 'mira', x: 1, y: 1 }, 'mira-2': { name: 'Mira', actorId: 'mira', x: 2, y: 1 } }),
      ...adds('actors', { [ACTOR]: { name: 'Shade', hp: 9 }, mira: { name: 'Mira', hp: 20 } }),
    ]);
    const gm = await client(running, 'hd1', 'gm-gus');
    const player = await openRaw(running.wsUrl, 'sessions/hd1/table', { sidecar: true, user: 'pia' });
    cleanups.push(() => player.ws.close());
    const view = connectProvider(running.wsUrl, 'sessions/hd1/table', new Y.Doc(), { user: 'pia' });
    cleanups.push(() => view.destroy());
    await synced(view);
    const table = () => projectDoc(view.doc, TABLE_DOC_SCHEMA) as State['state'];
    const applied = () => player.messages().flatMap((m) => (m.type === 'event-applied' ? (m.entries as LogEntryView[]) : []));

    const [refused] = await (await client(running, 'hd1', 'pox')).request(createIntent('token:hide', { tokenId: TOKEN }));
    expect(refused).toMatchObject({ success: false, reason: 'permission-denied' });
    const acks = await gm.request(createIntent('token:hide', { tokenId: TOKEN }), createIntent('token:hide', { tokenId: 'mira-2' }));
    expect(acks.map(ok)).toEqual([1, 2]);
    await waitFor(() => applied().length === 2 && table().tokens[TOKEN] === undefined && table().tokens['mira-2'] === undefined, 5_000, 'the hide reaching the player');
    // The monster's actor went with it; the character's stayed, her other token still naming it.
    expect(Object.keys(table().tokens)).toEqual(['mira-1']);
    expect(Object.keys(table().actors)).toEqual(['mira']);
    // One entry each, for everyone, with the table's removals and nothing of the GM's side.
    expect(applied()[0]).toMatchObject({ event: { type: 'token:hide', payload: { tokenId: TOKEN } }, patch: [{ op: 'remove', path: `/tokens/${TOKEN}` }, { op: 'remove', path: `/actors/${ACTOR}` }] });
    expect(applied()[0]).not.toHaveProperty('gmPatch');
    const hiddenNow = await readDoc(running.wsUrl, 'hd1', 'gm', 'gm-gus');
    expect(hiddenNow).toMatchObject({
      tokens: { [TOKEN]: { name: 'Shade', actorId: ACTOR, x: 3, y: 4, _version: 1 }, 'mira-2': { name: 'Mira', actorId: 'mira', x: 2, y: 1, _version: 1 } },
      actors: { [ACTOR]: { name: 'Shade', hp: 9, _version: 1 } },
      meta: { sequence: 2 },
    });
    const [again] = await gm.request(createIntent('token:hide', { tokenId: TOKEN }));
    expect(again).toMatchObject({ success: false, reason: 'rule-violation' });

    // From here on, nothing of the token reaches the player: the GM drags it in the GM doc, and intents naming it stay among GMs.
    const mark = player.frames.length;
    const drag = connectProvider(running.wsUrl, 'sessions/hd1/gm', new Y.Doc(), { user: 'gm-gus', sidecar: true });
    cleanups.push(() => drag.destroy());
    await synced(drag);
    for (const x of [5, 6.5, 8]) {
      drag.doc.transact(() => applyPatchToDoc(drag.doc, GM_DOC_SCHEMA, [{ op: 'replace', path: `/tokens/${TOKEN}/x`, value: x }, { op: 'add', path: `/tokens/${TOKEN}/label`, value: `${DRAGGED} ${x}` }]));
      // The server announces only clients' own edits as saved (its intent effects in this doc are not), so wait for the drag's.
      const own = Y.decodeStateVector(Y.encodeStateVector(drag.doc)).get(drag.doc.clientID) ?? 0;
      await waitFor(() => (drag.saved.get(drag.doc.clientID) ?? 0) >= own, 5_000, 'drag stored');
    }
    const [moveHidden, nudged] = await gm.request(createIntent('token:move', { tokenId: TOKEN, x: 1, y: 1 }), createIntent('test:nudge', { target: TOKEN }));
    expect(moveHidden).toMatchObject({ success: false, reason: 'rule-violation' });
    expect(ok(nudged)).toBe(3);
    expect(ok((await gm.request(chat('after the drags')))[0])).toBe(4);
    await waitFor(() => applied().length === 4, 5_000, 'the chat reaching the player');
    expect(applied()[2]).toEqual({ sequence: 3, redacted: true });
    const after = Buffer.concat(player.frames.slice(mark));
    for (const marker of [TOKEN, ACTOR, DRAGGED, 'Shade']) expect(after.includes(Buffer.from(marker)), marker).toBe(false);
    expect(table().tokens[TOKEN]).toBeUndefined();

    // The reveal brings it back where the GM left it, with its actor; the player sees it again (the markers were detectable all along).
    expect(ok((await gm.request(createIntent('token:reveal', { tokenId: TOKEN })))[0])).toBe(5);
    await waitFor(() => table().tokens[TOKEN] !== undefined, 5_000, 'the reveal reaching the player');
    expect(table().tokens[TOKEN]).toEqual({ name: 'Shade', actorId: ACTOR, x: 8, y: 4, label: `${DRAGGED} 8`, _version: 1 });
    expect(table().actors[ACTOR]).toEqual({ name: 'Shade', hp: 9, _version: 1 });
    expect(Buffer.concat(player.frames.slice(mark)).includes(Buffer.from(DRAGGED))).toBe(true);
    const hiddenAfter = await readDoc(running.wsUrl, 'hd1', 'gm', 'gm-gus');
    expect(Object.keys(hiddenAfter.tokens as JsonObject)).toEqual(['mira-2']);
    expect(hiddenAfter.actors).toEqual({});
  });

  it('[EL16][EM19][H3] a GM secret roll lands in the GM doc dice log, not the table; both docs record its sequence; a player may not roll in secret', async () => {
    const running = await server();
    const gm = await client(running, 'sr1', 'gm-gus');
    const player = await client(running, 'sr1', 'pia');
    const [ack] = await gm.request(secretRoll('ambush check'));
    expect(ack).toMatchObject({ success: true, sequence: 1 });
    const [refused] = await player.request(secretRoll('peek'));
    expect(refused).toMatchObject({ success: false, reason: 'permission-denied' });

    const table = await getJson<State>(`${running.url}/api/sessions/sr1/state`, {}, 'pia');
    expect(table.body.state.dice).toEqual([]);
    expect(table.body.version).toBe(1);
    const hidden = await readDoc(running.wsUrl, 'sr1', 'gm', 'gm-gus');
    expect(hidden.meta).toEqual({ sequence: 1 });
    expect(hidden.dice).toEqual([expect.objectContaining({ label: 'ambush check', userId: 'gm-gus', notation: '1d20+2', total: expect.any(Number), sequence: 1 })]);
    const events = await getJson<Page>(`${running.url}/api/sessions/sr1/events`, {}, 'gm-gus');
    expect(events.body.events).toHaveLength(1);
  });
});

describe('who reads which entry', () => {
  it('[EL17][H4] players get GM-only entries as redacted placeholders in broadcasts, catch-up and REST pages; GMs and the sender see them whole', async () => {
    const running = await server();
    const gm = await client(running, 'au1', 'gm-gus');
    const gmWatch = await client(running, 'au1', 'gm-gus');
    const pia = await client(running, 'au1', 'pia');
    const watcher = await client(running, 'au1', 'pox');
    expect(ok((await pia.request(chat('hello')))[0])).toBe(1);
    expect(ok((await gm.request(secretRoll('trap')))[0])).toBe(2);
    expect(ok((await gm.request(chat('welcome')))[0])).toBe(3);
    expect(ok((await pia.request(createIntent('test:whisper', { text: 'I pocket the gem' })))[0])).toBe(4);
    expect(ok((await pia.request(chat('bye')))[0])).toBe(5);

    await waitFor(() => watcher.applied.length === 5 && gmWatch.applied.length === 5, 5_000, 'broadcasts');
    const views = watcher.applied as unknown as LogEntryView[];
    expect(views[1]).toEqual({ sequence: 2, redacted: true });
    expect(views[3]).toEqual({ sequence: 4, redacted: true });
    expect(sequences(views)).toEqual([1, 2, 3, 4, 5]);
    expect(gmWatch.applied.map((e) => e.audience ?? 'all')).toEqual(['all', 'gm', 'all', 'gm', 'all']);
    expect(gmWatch.applied[1]!.event.payload).toMatchObject({ label: 'trap', secret: true });

    watcher.send(encodeMessage({ type: 'catch-up-request', from: 1 }));
    pia.send(encodeMessage({ type: 'catch-up-request', from: 1 }));
    gmWatch.send(encodeMessage({ type: 'catch-up-request', from: 1 }));
    await waitFor(() => watcher.catchUps.length === 1 && pia.catchUps.length === 1 && gmWatch.catchUps.length === 1, 5_000, 'catch-ups');
    const caught = watcher.catchUps[0]!.entries as unknown as LogEntryView[];
    expect(caught.filter((e) => 'redacted' in e)).toEqual([{ sequence: 2, redacted: true }, { sequence: 4, redacted: true }]);
    // The sender of the whisper reads it; the GM's secret roll stays hidden from her too.
    const own = pia.catchUps[0]!.entries as unknown as LogEntryView[];
    expect(own[1]).toEqual({ sequence: 2, redacted: true });
    expect(own[3]).toMatchObject({ event: { type: 'test:whisper', userId: 'pia' }, audience: 'gm' });
    expect(own[3]).not.toHaveProperty('gmPatch');
    // A player's intent may write the GM doc (the server loads it for the write); she cannot read it back.
    const notes = (await readDoc(running.wsUrl, 'au1', 'gm', 'gm-gus')).notes as Record<string, JsonObject>;
    expect(Object.values(notes)).toEqual([{ from: 'pia', text: 'I pocket the gem', _version: 1 }]);
    expect(gmWatch.catchUps[0]!.entries.every((e) => 'event' in e)).toBe(true);

    // REST pages keep their slots, so `next` works as before.
    const pages: Page['events'][] = [];
    for (let from: number | null = 1; from !== null; ) {
      const page: { body: Page } = await getJson<Page>(`${running.url}/api/sessions/au1/events?from=${from}&limit=2`, {}, 'pox');
      pages.push(page.body.events);
      from = page.body.next;
    }
    expect(pages.map((p) => p.map((e) => e.sequence))).toEqual([[1, 2], [3, 4], [5]]);
    expect(pages[0]![1]).toEqual({ sequence: 2, redacted: true });
    expect(pages[1]![1]).toEqual({ sequence: 4, redacted: true });
    const piaPage = await getJson<Page>(`${running.url}/api/sessions/au1/events?from=4&limit=1`, {}, 'pia');
    expect(piaPage.body.events[0]).toMatchObject({ sequence: 4, type: 'test:whisper', audience: 'gm', payload: { text: 'I pocket the gem' } });
    const gmPage = await getJson<Page>(`${running.url}/api/sessions/au1/events?from=1&limit=10`, {}, 'gm-gus');
    expect(gmPage.body.events.map((e) => e.audience ?? 'all')).toEqual(['all', 'gm', 'all', 'gm', 'all']);
    expect(gmPage.body.events[1]).toMatchObject({ type: 'dice:roll', payload: { label: 'trap' } });
  });

  it('[EL17][H4] a GM intent whose payload names a hidden entity is for GMs only; once the entity is revealed, naming it is public', async () => {
    const running = await server();
    await freeEdit(running.wsUrl, 'au2', 'gm', 'gm-gus', [
      ...adds('tokens', { lurker: { name: 'Lurker', x: 1, y: 1 } }),
      ...adds('notes', { plot: { text: 'twist' } }),
    ]);
    const gm = await client(running, 'au2', 'gm-gus');
    const watcher = await client(running, 'au2', 'pox');
    const nudgeOf = (target: string) => createIntent('test:nudge', { target });
    const acks = await gm.request(nudgeOf('lurker'), nudgeOf('plot'), nudgeOf('nobody'), createIntent('token:reveal', { tokenId: 'lurker' }), nudgeOf('lurker'));
    expect(acks.map(ok)).toEqual([1, 2, 3, 4, 5]);
    // A player naming the same id is not hidden from anyone: it is what she typed.
    const player = await client(running, 'au2', 'pia');
    expect(ok((await player.request(nudgeOf('plot')))[0])).toBe(6);
    await waitFor(() => watcher.applied.length === 6, 5_000, 'broadcasts');
    const views = watcher.applied as unknown as LogEntryView[];
    expect(views.map((v) => ('redacted' in v ? 'redacted' : v.event.type))).toEqual([
      'redacted',
      'redacted',
      'test:nudge',
      'token:reveal',
      'test:nudge',
      'test:nudge',
    ]);
  });
});

describe('approvals of hidden effects', () => {
  it('[EL16][EL17][EL14] an approved GM-doc effect is written by its resolution entry; a decision on a GM-only entry reaches GMs only', async () => {
    const running = await server();
    await freeEdit(running.wsUrl, 'ap1', 'gm', 'gm-gus', adds('actors', { lich: { name: 'Lich' } }));
    const gm = await client(running, 'ap1', 'gm-gus');
    const player = await openRaw(running.wsUrl, 'sessions/ap1/table', { sidecar: true, user: 'pox' });
    cleanups.push(() => player.ws.close());
    const hidden = createIntent('plugin:hs:doom', { target: 'lich' });
    const open = createIntent('plugin:hs:doom', { target: 'village' });
    expect(await gm.request(hidden, open)).toMatchObject([{ status: 'awaiting-approval', sequence: 1 }, { status: 'awaiting-approval', sequence: 2 }]);
    const acks = await gm.request(
      createIntent('approval:resolve', { sequence: 1, decision: 'approve' }),
      createIntent('approval:resolve', { sequence: 2, decision: 'deny', reason: 'not today' }),
    );
    expect(acks.map(ok)).toEqual([3, 4]);
    const notes = (await readDoc(running.wsUrl, 'ap1', 'gm', 'gm-gus')).notes as JsonObject;
    expect(Object.keys(notes)).toEqual(['doom-lich']);

    const gmLog = await getJson<Page>(`${running.url}/api/sessions/ap1/events?from=1`, {}, 'gm-gus');
    expect(gmLog.body.events.map((e) => [e.sequence, e.type, e.status, e.audience ?? 'all'])).toEqual([
      [1, 'plugin:hs:doom', 'approved', 'gm'],
      [2, 'plugin:hs:doom', 'denied', 'all'],
      [3, 'approval:resolve', 'applied', 'gm'],
      [4, 'approval:resolve', 'applied', 'all'],
    ]);
    await waitFor(() => player.messages().some((m) => m.type === 'approval-resolved'), 5_000, 'public decision');
    const resolved = player.messages().flatMap((m) => (m.type === 'approval-resolved' ? (m.resolutions as ApprovalResolution[]) : []));
    expect(resolved.map((r) => r.sequence)).toEqual([2]);
    const entries = player.messages().flatMap((m) => (m.type === 'event-applied' ? (m.entries as LogEntryView[]) : []));
    expect(entries.map((e) => ('redacted' in e ? `${e.sequence} redacted` : `${e.event.sequence} ${e.event.type}`))).toEqual([
      '1 redacted',
      '2 plugin:hs:doom',
      '3 redacted',
      '4 approval:resolve',
    ]);
    expect(entries.some((e) => 'gmPatch' in e)).toBe(false);
  });
});

describe('recovery per document', () => {
  it('[EL18] each document replays exactly the entries it lacks, once, and the GM doc records how far it looked', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const first = await server(dir.path);
    await freeEdit(first.wsUrl, 'rc1', 'gm', 'gm-gus', adds('tokens', { t9: { name: 'Ghost', x: 0, y: 0 } }));
    const gm = await openIntentClient(first.wsUrl, 'rc1', 'gm-gus');
    expect(ok((await gm.request(secretRoll('first')))[0])).toBe(1);
    await gm.close();
    await first.stop();

    // The crash window twice over: entries 2 and 3 are durable in the log, neither doc has their effects.
    const { createLevelStore } = await import('@dungeon-lab/store-level');
    const store = await createLevelStore({ dataDir: dir.path });
    const logged = (sequence: number, type: string, payload: JsonObject, patch: LogEntry['patch'], gmPatch: LogEntry['patch']): LogEntry => {
      const intent = createIntent(type, payload);
      return { event: { id: intent.id, sequence, timestamp: Date.now(), type, payload, userId: 'gm-gus', sessionId: 'rc1', checksum: intent.checksum! }, status: 'applied', patch, gmPatch };
    };
    const entries = [
      logged(2, 'dice:roll', { notation: '1d4' }, [], [{ op: 'add', path: '/dice/-', value: { label: 'replayed' } }]),
      logged(
        3,
        'token:reveal',
        { tokenId: 't9' },
        [
          { op: 'add', path: '/tokens/t9', value: { name: 'Ghost', x: 0, y: 0 } },
          { op: 'add', path: '/chat/-', value: { text: 'a ghost appears' } },
        ],
        [{ op: 'remove', path: '/tokens/t9' }],
      ),
    ];
    await store.appendEvents('rc1', entries.map((e) => ({ sequence: e.event.sequence, id: e.event.id, data: encodeLogEntry(e) })));
    await store.close();

    // Only the table loads: it replays its own part and nothing else.
    const second = await server(dir.path);
    const table = await getJson<State>(`${second.url}/api/sessions/rc1/state`, {}, 'gm-gus');
    expect(table.body.version).toBe(3);
    expect(table.body.state.tokens.t9).toMatchObject({ name: 'Ghost', _version: 1 });
    expect(table.body.state.chat).toHaveLength(1);
    await second.stop();

    // Now the GM doc loads, behind the table: it replays 2 and 3, the table replays nothing.
    const third = await server(dir.path);
    const hidden = await readDoc(third.wsUrl, 'rc1', 'gm', 'gm-gus');
    expect((hidden.dice as JsonObject[]).map((d) => d.label)).toEqual(['first', 'replayed']);
    expect(hidden.tokens).toEqual({});
    expect(hidden.meta).toEqual({ sequence: 3 });
    const again = await getJson<State>(`${third.url}/api/sessions/rc1/state`, {}, 'gm-gus');
    expect(again.body.state.tokens.t9).toMatchObject({ _version: 1 });
    expect(again.body.state.chat).toHaveLength(1);
    const player = await openIntentClient(third.wsUrl, 'rc1', 'pia');
    expect(ok((await player.request(chat('after')))[0])).toBe(4);
    await player.close();
    await third.stop();

    // A load after an entry that never touched the GM doc replays nothing and moves its mark past it.
    const fourth = await server(dir.path);
    const last = await readDoc(fourth.wsUrl, 'rc1', 'gm', 'gm-gus');
    expect((last.dice as JsonObject[]).map((d) => d.label)).toEqual(['first', 'replayed']);
    expect(last.meta).toEqual({ sequence: 4 });
  });
});
