import { afterEach, describe, expect, it } from 'vitest';
import { createTestSession, startTestServer, testClient, waitFor } from './server-harness.fixture.ts';
import type { SessionClient } from './session-client.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real server with a session of two synced clients: the GM and Mira. */
async function gmAndMira(): Promise<{ gm: SessionClient; mira: SessionClient }> {
  const server = await startTestServer();
  cleanups.push(() => server.dispose());
  const session = await createTestSession(server.url, ['gm', 'mira']);
  const open = (name: 'gm' | 'mira'): SessionClient => {
    const c = testClient(server.url, { sessionId: session.id, token: session.users[name]!.token });
    cleanups.push(() => c.destroy());
    return c;
  };
  const gm = open('gm');
  const mira = open('mira');
  await Promise.all([gm.whenSynced(), mira.whenSynced()]);
  return { gm, mira };
}

describe('presence', () => {
  it('[EQ26] after a dropped connection the others’ presence is back as soon as the new socket joins, though nobody changed theirs', async () => {
    const { gm, mira } = await gmAndMira();
    gm.awareness('table').setLocalState({ name: 'Gemma' });
    const gmSeenByMira = () => [...mira.awareness('table').getStates().values()].some((s) => s.name === 'Gemma');
    await waitFor(gmSeenByMira, 'the GM’s presence at Mira');

    expect(mira.channel('table').drop()).toBe(true);
    await waitFor(() => !gmSeenByMira(), 'the presence dropped with the socket');
    await mira.whenSynced();
    // Well inside y-protocols' 15 s renewal: only the join's snapshot can bring it back this soon.
    await waitFor(gmSeenByMira, 'the GM’s presence back after the reconnect', 3_000);
  });

  it('[EQ26] after a refused edit starts the document over, the others’ presence is back at once', async () => {
    const { gm, mira } = await gmAndMira();
    gm.doc('table').getMap('scene').set('name', 'Cellar');
    gm.awareness('table').setLocalState({ name: 'Gemma' });
    const gmSeenByMira = () => [...mira.awareness('table').getStates().values()].some((s) => s.name === 'Gemma');
    await waitFor(() => gmSeenByMira() && mira.doc('table').getMap('scene').get('name') === 'Cellar', 'the GM’s presence and scene at Mira');

    const rebuilt = new Promise((resolve) => mira.on('rebuilt', resolve));
    // Only the GM sets the stage (write rule W9): the server refuses this and Mira's document starts over.
    mira.doc('table').getMap('scene').set('name', 'Attic');
    await rebuilt;
    await mira.whenSynced();
    await waitFor(gmSeenByMira, 'the GM’s presence back after the rebuild', 3_000);
  });
});

