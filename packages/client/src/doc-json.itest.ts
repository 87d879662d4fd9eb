import { TABLE_DOC_SCHEMA, applyPatchToDoc } from '@dungeon-lab/events';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestSession, startTestServer, testClient, waitFor } from './server-harness.fixture.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a document’s JSON', () => {
  it('[EQ27] json(name) follows the GM document, keeps untouched parts by identity, and follows a table started over after a refused edit', async () => {
    const server = await startTestServer();
    cleanups.push(() => server.dispose());
    const session = await createTestSession(server.url, ['gm', 'mira']);
    const gm = testClient(server.url, { sessionId: session.id, token: session.gm.token, docs: ['table', 'gm'] });
    const mira = testClient(server.url, { sessionId: session.id, token: session.users.mira!.token });
    cleanups.push(() => gm.destroy(), () => mira.destroy());
    await Promise.all([gm.whenSynced(), mira.whenSynced()]);

    const gmJson = gm.json('gm');
    const seen: unknown[] = [];
    gmJson.subscribe((v) => seen.push(v));
    gm.doc('gm').getMap('notes').set('n1', 'the vampire is in the crypt');
    gm.doc('gm').getMap('fog').set('f1', 1);
    await waitFor(() => (gmJson.get().notes as Record<string, unknown>).n1 !== undefined, 'the note in the JSON');
    const notes = gmJson.get().notes;
    gm.doc('gm').getMap('fog').set('f1', 2);
    await waitFor(() => (gmJson.get().fog as Record<string, unknown>).f1 === 2, 'the fog change');
    expect(gmJson.get().notes).toBe(notes);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(() => gm.json('players/x')).toThrow(RangeError);

    gm.doc('table').transact(() => applyPatchToDoc(gm.doc('table'), TABLE_DOC_SCHEMA, [{ op: 'add', path: '/scene/name', value: 'Crypt' }]));
    const table = mira.json('table');
    await waitFor(() => (table.get().scene as Record<string, unknown>).name === 'Crypt', 'the scene at Mira');
    const rebuilt = new Promise((resolve) => mira.on('rebuilt', resolve));
    mira.doc('table').getMap('scene').set('name', 'Attic');
    await rebuilt;
    await waitFor(() => (table.get().scene as Record<string, unknown>).name === 'Crypt', 'the server’s scene after the rebuild');
    gm.doc('table').transact(() => applyPatchToDoc(gm.doc('table'), TABLE_DOC_SCHEMA, [{ op: 'replace', path: '/scene/name', value: 'Tomb' }]));
    await waitFor(() => (table.get().scene as Record<string, unknown>).name === 'Tomb', 'later changes in the new document');
  });
});
