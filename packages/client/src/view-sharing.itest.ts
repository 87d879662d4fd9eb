import { TABLE_DOC_SCHEMA, applyPatchToDoc, type JsonObject } from '@dungeon-lab/events';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryPersistence } from './memory-persistence.ts';
import { createTestSession, startTestServer, testClient, waitFor } from './server-harness.fixture.ts';
import type { SessionClient } from './session-client.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type TableView = JsonObject & { tokens: Record<string, JsonObject>; actors: Record<string, JsonObject>; chat: JsonObject[] };
const view = (c: SessionClient) => c.view.get() as TableView;

describe('[EQ23] the view shares what did not change', () => {
  it('client 1 moves token A: at client 2, tokens.B, the actors and the chat are the objects it had; A, tokens and the root are new; a prediction of its own shares what it does not touch', async () => {
    const server = await startTestServer();
    cleanups.push(() => server.dispose());
    const sess = await createTestSession(server.url, ['gm', 'mira']);
    const open = (name: string) => {
      const c = testClient(server.url, { sessionId: sess.id, token: sess.users[name]!.token, persistence: memoryPersistence() });
      cleanups.push(() => c.destroy());
      return c;
    };
    const gm = open('gm');
    const mira = open('mira');
    await Promise.all([gm.whenSynced(), mira.whenSynced()]);
    const table = gm.doc('table');
    table.transact(() =>
      applyPatchToDoc(table, TABLE_DOC_SCHEMA, [
        { op: 'add', path: '/scene/width', value: 100 },
        { op: 'add', path: '/scene/height', value: 100 },
        ...['A', 'B', 'C'].map((id) => ({ op: 'add' as const, path: `/tokens/${id}`, value: { x: 1, y: 1, actorId: `a${id}` } })),
        ...['aA', 'aB'].map((id) => ({ op: 'add' as const, path: `/actors/${id}`, value: { name: id, hp: { value: 10, max: 10 } } })),
      ]),
    );
    expect(await gm.intents.submit('chat:message', { text: 'welcome' }).result).toMatchObject({ success: true });
    await waitFor(() => view(mira).tokens.C !== undefined && view(mira).chat.length === 1, 'the table at mira');

    const before = view(mira);
    let notified = 0;
    mira.view.subscribe(() => notified++);
    expect(await gm.intents.submit('token:move', { tokenId: 'A', x: 5, y: 6 }).result).toMatchObject({ success: true });
    await waitFor(() => view(mira).tokens.A!.x === 5, 'the move at mira');
    const after = view(mira);
    expect(after.tokens.A).toMatchObject({ x: 5, y: 6 });
    expect(after).not.toBe(before);
    expect(after.tokens).not.toBe(before.tokens);
    expect(after.tokens.A).not.toBe(before.tokens.A);
    expect(after.tokens.B).toBe(before.tokens.B);
    expect(after.tokens.C).toBe(before.tokens.C);
    expect(after.actors).toBe(before.actors);
    expect(after.chat).toBe(before.chat);
    expect(after.scene).toBe(before.scene);
    await waitFor(() => notified > 0, 'mira\'s view subscribers told');

    // A prediction of her own (offline, so it stays one) copies the chat, not what it does not write.
    mira.disconnect();
    mira.intents.submit('chat:message', { text: 'brb' });
    const predicted = view(mira);
    expect(predicted.chat.map((m) => m.text)).toEqual(['welcome', 'brb']);
    expect(predicted.chat[0]).toBe(before.chat[0]);
    expect(predicted.tokens).toBe(after.tokens);
    expect(predicted.actors).toBe(before.actors);
  });
});
