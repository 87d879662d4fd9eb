/**
 * The client's optimistic view after one remote token move, on a big table
 * (200 tokens, 200 actors, 500 chat entries, written as the server writes
 * them): the full projection the view was computed with before (`projectDoc`
 * of the whole doc, then the predictions) against the incremental one
 * (`DocProjector`, then the same predictions). Runs in one process, no server.
 *
 *   npx tsx bench/src/client-view.ts [--moves 2000]
 */
import { performance } from 'node:perf_hooks';
import { applyPredictions, type OverlayItem } from '@dungeon-lab/client/internal';
import {
  DocProjector,
  TABLE_DOC_SCHEMA,
  applyPatchToDoc,
  createIntent,
  createIntentRegistry,
  projectDoc,
  type JsonObject,
  type JsonPatchOp,
} from '@dungeon-lab/events';
import { seededRandom } from '@dungeon-lab/testing';
import * as Y from 'yjs';
import { summarize } from './report/stats.ts';

const TOKENS = 200;
const ACTORS = 200;
const CHAT = 500;
const WARM_UP = 200;
const argIndex = process.argv.indexOf('--moves');
const MOVES = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 2000;

function actor(i: number): JsonObject {
  return {
    name: `Actor ${i}`,
    ownerId: `user-${i % 6}`,
    ac: 12 + (i % 6),
    hp: { value: 20 + i, max: 20 + i },
    abilities: { str: 10, dex: 12, con: 14, int: 8, wis: 13, cha: 11 },
    weapons: [
      { id: 'longsword', name: 'Longsword', attackBonus: 5, damage: '1d8+3' },
      { id: 'dagger', name: 'Dagger', attackBonus: 5, damage: '1d4+3' },
    ],
    spellSlots: { 1: { max: 3, used: 0 }, 2: { max: 2, used: 0 } },
    conditions: [],
  };
}

/** The table as the server holds it: every entity, entry and nested object a Yjs type. */
function bigTable(): Y.Doc {
  const ops: JsonPatchOp[] = [
    { op: 'add', path: '/scene/width', value: 1000 },
    { op: 'add', path: '/scene/height', value: 1000 },
  ];
  for (let i = 0; i < ACTORS; i++) ops.push({ op: 'add', path: `/actors/a${i}`, value: actor(i) });
  for (let i = 0; i < TOKENS; i++) {
    ops.push({ op: 'add', path: `/tokens/t${i}`, value: { actorId: `a${i % ACTORS}`, name: `Token ${i}`, x: i % 50, y: Math.floor(i / 50), size: 1, hidden: false } });
  }
  for (let i = 0; i < CHAT; i++) {
    ops.push({ op: 'add', path: '/chat/-', value: { id: `m${i}`, userId: `user-${i % 6}`, text: `message number ${i} about the dungeon`, timestamp: 1_700_000_000_000 + i, sequence: i + 1 } });
  }
  const doc = new Y.Doc();
  doc.transact(() => applyPatchToDoc(doc, TABLE_DOC_SCHEMA, ops));
  return doc;
}

/** Pending intents of the user: three chat messages and a move of a token the remote moves never touch. */
function pending(): OverlayItem[] {
  const chat = [1, 2, 3].map((n) => createIntent('chat:message', { text: `typing ${n}` }));
  const move = createIntent('token:move', { tokenId: `t${TOKENS - 1}`, x: 10, y: 10 });
  return [...chat, move].map((intent) => ({ intent, createdAt: 1_700_000_001_000, sentFloor: null }));
}

interface Row {
  readonly label: string;
  readonly view: ReturnType<typeof summarize>;
  readonly withUpdate: ReturnType<typeof summarize>;
}

/**
 * One remote move after another: the server's doc moves a random token (one
 * of the first TOKENS − 1), the client's doc applies the update, and then
 * `computeView` runs. Times the view alone, and the update plus the view
 * (the DocProjector does its invalidation inside the update).
 */
function measure(label: string, makeView: (client: Y.Doc) => () => JsonObject): Row {
  const server = bigTable();
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
  const computeView = makeView(client);
  computeView();
  const random = seededRandom(7);
  const view = new Float64Array(MOVES);
  const withUpdate = new Float64Array(MOVES);
  let update: Uint8Array | null = null;
  server.on('update', (u: Uint8Array) => {
    update = u;
  });
  const tokens = server.getMap<Y.Map<number>>('tokens');
  for (let i = -WARM_UP; i < MOVES; i++) {
    const token = tokens.get(`t${Math.floor(random() * (TOKENS - 1))}`)!;
    server.transact(() => {
      token.set('x', Math.floor(random() * 1000));
      token.set('y', Math.floor(random() * 1000));
    });
    const start = performance.now();
    Y.applyUpdate(client, update!, 'remote');
    const applied = performance.now();
    computeView();
    const end = performance.now();
    if (i >= 0) {
      view[i] = (end - applied) * 1000;
      withUpdate[i] = (end - start) * 1000;
    }
  }
  return { label, view: summarize(view), withUpdate: summarize(withUpdate) };
}

const registry = createIntentRegistry();
const ctx = { userId: 'user-1', sessionId: 'bench' };
const rows: Row[] = [];
for (const [name, items] of [
  ['no pending intents', [] as OverlayItem[]],
  ['4 pending intents', pending()],
] as const) {
  rows.push(measure(`full projection (projectDoc), ${name}`, (client) => () => applyPredictions(projectDoc(client, TABLE_DOC_SCHEMA), items, registry, ctx).view));
  rows.push(
    measure(`incremental (DocProjector), ${name}`, (client) => {
      const projector = new DocProjector(client, TABLE_DOC_SCHEMA);
      return () => applyPredictions(projector.get(), items, registry, ctx).view;
    }),
  );
}

const us = (n: number) => n.toFixed(n < 100 ? 1 : 0);
console.log(`client view after one remote token move: ${TOKENS} tokens, ${ACTORS} actors, ${CHAT} chat entries; ${MOVES} moves (after ${WARM_UP} to warm up), Node ${process.version}`);
console.log('| computation | view p50 µs | view p95 µs | update + view p50 µs | update + view p95 µs |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const row of rows) console.log(`| ${row.label} | ${us(row.view.p50)} | ${us(row.view.p95)} | ${us(row.withUpdate.p50)} | ${us(row.withUpdate.p95)} |`);
