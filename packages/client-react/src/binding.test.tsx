// @vitest-environment happy-dom
// @vitest-environment-options {"settings":{"fetch":{"disableSameOriginPolicy":true}}}
import type { SessionClient } from '@dungeon-lab/client';
import { type TestServer, type TestSession, createTestSession, startTestServer, testClient, waitFor } from '@dungeon-lab/client/testing';
import { type JsonObject, TABLE_DOC_SCHEMA, applyPatchToDoc } from '@dungeon-lab/events';
import { type ReactNode, StrictMode, memo } from 'react';
import { type Root, createRoot } from 'react-dom/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { SessionProvider, shallowEqual, useDoc, useSessionClient, useView } from './index.ts';

let server: TestServer;
let session: TestSession;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  server = await startTestServer();
  session = await createTestSession(server.url, ['gm', 'mira']);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await server.dispose();
});

function gmClient(): SessionClient {
  const client = testClient(server.url, { sessionId: session.id, token: session.gm.token });
  cleanups.push(() => client.destroy());
  return client;
}

function mount(node: ReactNode): { root: Root; container: HTMLElement } {
  const container = document.createElement('div');
  document.body.append(container);
  const root = createRoot(container);
  root.render(node);
  cleanups.push(() => {
    root.unmount();
    container.remove();
  });
  return { root, container };
}

const TOKENS = 60;

describe('React binding', () => {
  it('[BND1] a remote move of one token re-renders that token only', async () => {
    const gm = gmClient();
    await gm.whenSynced();
    gm.doc('table').transact(() => {
      const tokens: Record<string, JsonObject> = {};
      for (let i = 0; i < TOKENS; i++) tokens[`t${String(i).padStart(2, '0')}`] = { x: i, y: 0 };
      applyPatchToDoc(gm.doc('table'), TABLE_DOC_SCHEMA, Object.entries(tokens).map(([id, value]) => ({ op: 'add' as const, path: `/tokens/${id}`, value })));
    });
    await gm.whenSaved();

    const renders = new Map<string, number>();
    let listRenders = 0;
    const Token = memo(function Token({ id }: { id: string }) {
      renders.set(id, (renders.get(id) ?? 0) + 1);
      const token = useView((v) => (v.tokens as Record<string, JsonObject> | undefined)?.[id]);
      return <i data-id={id} data-x={String(token?.x)} data-y={String(token?.y)} />;
    });
    function Tokens() {
      listRenders++;
      const ids = useView((v) => Object.keys((v.tokens as JsonObject | undefined) ?? {}).sort(), shallowEqual);
      return (
        <>
          {ids.map((id) => (
            <Token key={id} id={id} />
          ))}
        </>
      );
    }
    const { container } = mount(
      <SessionProvider create={() => testClient(server.url, { sessionId: session.id, token: session.users.mira!.token, fetch: false })}>
        <Tokens />
      </SessionProvider>,
    );
    await waitFor(() => container.querySelectorAll('i[data-id]').length === TOKENS, 'every token rendered');
    renders.clear();
    listRenders = 0;

    gm.doc('table').transact(() => applyPatchToDoc(gm.doc('table'), TABLE_DOC_SCHEMA, [{ op: 'replace', path: '/tokens/t07/y', value: 5 }]));
    await waitFor(() => container.querySelector('i[data-id="t07"]')?.getAttribute('data-y') === '5', 'the move shown');
    // Let any other pending render land before counting.
    await new Promise((r) => setTimeout(r, 50));

    expect(Object.fromEntries(renders)).toEqual({ t07: 1 });
    expect(listRenders).toBe(0);
  });

  it('[BND2] under StrictMode the provider makes a client per mount and destroys each: none outlives the component', async () => {
    const made: SessionClient[] = [];
    const destroyed = new Set<SessionClient>();
    let seen: SessionClient | null = null;
    function Probe() {
      seen = useSessionClient();
      return null;
    }
    const { root } = mount(
      <StrictMode>
        <SessionProvider
          create={() => {
            const client = testClient(server.url, { sessionId: session.id, token: session.users.mira!.token, fetch: false });
            client.on('destroyed', () => destroyed.add(client));
            made.push(client);
            return client;
          }}
        >
          <Probe />
        </SessionProvider>
      </StrictMode>,
    );
    await waitFor(() => seen !== null, 'a client in context');
    expect(made).toHaveLength(2);
    expect(destroyed.has(made[0]!)).toBe(true);
    expect(seen).toBe(made[1]);
    await made[1]!.whenSynced();
    root.unmount();
    await waitFor(() => destroyed.has(made[1]!), 'the second client destroyed on unmount');
  });

  it('[BND3] after a refused edit the document is started over and useDoc re-renders with the new one', async () => {
    const gm = gmClient();
    await gm.whenSynced();
    gm.doc('table').transact(() => applyPatchToDoc(gm.doc('table'), TABLE_DOC_SCHEMA, [{ op: 'add', path: '/tokens/gm-only', value: { x: 1, y: 1 } }]));
    await gm.whenSaved();

    const docs: Y.Doc[] = [];
    let client: SessionClient | null = null;
    function Probe() {
      client = useSessionClient();
      const doc = useDoc('table');
      if (docs.at(-1) !== doc) docs.push(doc);
      const x = useView((v) => (v.tokens as Record<string, JsonObject> | undefined)?.['gm-only']?.x);
      return <b data-x={String(x)} />;
    }
    const { container } = mount(
      <SessionProvider create={() => testClient(server.url, { sessionId: session.id, token: session.users.mira!.token, fetch: false })}>
        <Probe />
      </SessionProvider>,
    );
    await waitFor(() => container.querySelector('b')?.getAttribute('data-x') === '1', 'the GM token shown');
    const first = docs.at(-1)!;
    // A player's page forging a move of the GM's token: the server refuses it (write rule W3).
    first.getMap<Y.Map<number>>('tokens').get('gm-only')!.set('x', 9);
    await waitFor(() => docs.length === 2, 'a re-render with the rebuilt document');
    expect(docs[1]).not.toBe(first);
    expect(docs[1]).toBe(client!.doc('table'));
    await waitFor(() => container.querySelector('b')?.getAttribute('data-x') === '1', 'the server’s position shown again');
  });
});

