/**
 * Fuzzing the table's write rules ([W1]..[W14]): two players send random
 * edits at the same time, legal and illegal (alone or mixed into one update),
 * built the way clients build them. Each answer must match what the rules
 * table says, and afterwards the server's document must equal a model that
 * applied only the legal edits — and every operation a player's client
 * created must sit where that player may write.
 */
import { type JsonPatchOp, type JsonValue, TABLE_DOC_SCHEMA, applyPatchToDoc, projectDoc } from '@dungeon-lab/events';
import { seededRandom } from '@dungeon-lab/testing';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { type RunningServer, startServer, waitFor } from './helpers.ts';
import { type TablePeer, openTablePeer } from './table-peer.ts';

const SESSION = 'fuzz-w';
const ROUNDS_PER_PLAYER = 120;
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

const ACTOR_OF: Record<string, string> = { alice: 'a-alice', bob: 'a-bob' };
/** Tokens each player controls: their character's, and the cart alice is listed on. */
const CONTROLS: Record<string, readonly string[]> = { alice: ['t-alice', 't-cart'], bob: ['t-bob'] };
const TOKENS = ['t-alice', 't-bob', 't-goblin', 't-cart'];
const ACTORS = ['a-alice', 'a-bob', 'goblin'];

/** What the test expects the table to hold: the seed plus every edit the rules allow. */
interface Model {
  tokens: Record<string, Record<string, number>>;
  notes: Record<string, string>;
  chat: Set<string>;
  dice: Set<string>;
}

interface Edit {
  readonly name: string;
  readonly legal: boolean;
  /** Addresses list positions or removes what other edits use: not safe to combine with another edit in one update. */
  readonly solo?: boolean;
  readonly apply: (doc: Y.Doc) => void;
  /** What a legal edit changes in the model once applied. */
  readonly model?: (model: Model) => void;
}

const patch = (ops: JsonPatchOp[]) => (doc: Y.Doc) => applyPatchToDoc(doc, TABLE_DOC_SCHEMA, ops);
let nextId = 0;

/** Entries as nested maps (our patch engine writes them so) or plain values (a stock client's push). */
function entriesOf(mirror: Y.Doc, root: 'chat' | 'dice'): Array<{ index: number; id: string; userId: string; nested: boolean }> {
  return mirror
    .getArray<unknown>(root)
    .toArray()
    .map((entry, index) => {
      const read = (key: string) => (entry instanceof Y.Map ? entry.get(key) : (entry as Record<string, unknown>)[key]) as string;
      return { index, id: read('id'), userId: read('userId'), nested: entry instanceof Y.Map };
    });
}

/** Legal edits a player makes at random. */
function legalEdit(user: string, mirror: Y.Doc, rand: Rand): Edit {
  const kind = pick(rand, ['move', 'move', 'move', 'notes', 'chat', 'dice', 'retract']);
  if (kind === 'move') {
    const token = pick(rand, CONTROLS[user]!);
    const field = pick(rand, ['x', 'y', 'rotation']);
    const value = Math.floor(rand() * 50);
    return {
      name: `move ${token}.${field}`,
      legal: true,
      apply: (doc) => doc.getMap<Y.Map<number>>('tokens').get(token)!.set(field, value),
      model: (m) => {
        m.tokens[token]![field] = value;
      },
    };
  }
  if (kind === 'notes') {
    const text = `note ${nextId++}`;
    const actor = ACTOR_OF[user]!;
    return { name: 'own notes', legal: true, apply: patch([{ op: 'add', path: `/actors/${actor}/notes`, value: text }]), model: (m) => (m.notes[actor] = text) };
  }
  if (kind === 'retract') {
    const own = entriesOf(mirror, 'chat').filter((e) => e.userId === user);
    if (own.length > 0) {
      const entry = pick(rand, own);
      return { name: 'retract own message', legal: true, solo: true, apply: (doc) => doc.getArray('chat').delete(entry.index, 1), model: (m) => m.chat.delete(entry.id) };
    }
  }
  const root = kind === 'dice' ? 'dice' : 'chat';
  const id = `${user}-${nextId++}`;
  const entry = { id, userId: user, text: 'hi', timestamp: 1 };
  // Half as nested maps (our patch engine), half as one plain value (a stock client's push).
  const apply = rand() < 0.5 ? patch([{ op: 'add', path: `/${root}/-`, value: entry }]) : (doc: Y.Doc) => doc.getArray(root).push([entry]);
  return { name: `append own ${root} entry`, legal: true, apply, model: (m) => m[root].add(id) };
}

/** Illegal edits: each one the rules table refuses for a player. */
function illegalEdit(user: string, mirror: Y.Doc, rand: Rand): Edit {
  const others = TOKENS.filter((t) => !CONTROLS[user]!.includes(t));
  const otherUser = user === 'alice' ? 'bob' : 'alice';
  const options: Array<() => Edit | null> = [
    () => ({ name: 'move a token not controlled', legal: false, apply: patch([{ op: 'replace', path: `/tokens/${pick(rand, others)}/x`, value: 3 }]) }),
    () => ({ name: 'x as a string', legal: false, apply: patch([{ op: 'replace', path: `/tokens/${pick(rand, CONTROLS[user]!)}/y`, value: 'north' }]) }),
    () => ({ name: 'retarget own token', legal: false, apply: patch([{ op: 'add', path: `/tokens/${pick(rand, CONTROLS[user]!)}/actorId`, value: 'goblin' }]) }),
    () => ({ name: 'hp', legal: false, apply: patch([{ op: 'replace', path: `/actors/${pick(rand, ACTORS)}/hp/value`, value: 99 }]) }),
    () => ({ name: 'condition', legal: false, apply: patch([{ op: 'add', path: `/actors/${pick(rand, ACTORS)}/conditions/-`, value: 'prone' }]) }),
    () => ({ name: 'death saves', legal: false, apply: patch([{ op: 'replace', path: `/actors/${ACTOR_OF[user]}/deathSaves/successes`, value: 3 }]) }),
    () => ({ name: 'stable', legal: false, apply: patch([{ op: 'add', path: `/actors/${ACTOR_OF[user]}/stable`, value: true }]) }),
    () => ({ name: 'slot used', legal: false, apply: patch([{ op: 'replace', path: `/actors/${ACTOR_OF[user]}/spellSlots/1/used`, value: 0 }]) }),
    () => ({ name: 'version', legal: false, apply: patch([{ op: 'add', path: pick(rand, ['/actors/a-alice/_version', '/tokens/t-bob/_version']), value: 9 }]) }),
    () => ({ name: 'ownership', legal: false, apply: patch([{ op: 'add', path: `/actors/${pick(rand, ACTORS)}/ownerId`, value: user }]) }),
    () => ({ name: 'own stats', legal: false, apply: patch([{ op: 'replace', path: `/actors/${ACTOR_OF[user]}/ac`, value: 25 }]) }),
    () => ({ name: "someone else's notes", legal: false, apply: patch([{ op: 'add', path: `/actors/${ACTOR_OF[otherUser]}/notes`, value: 'x' }]) }),
    () => ({ name: 'forged author', legal: false, apply: patch([{ op: 'add', path: `/${pick(rand, ['chat', 'dice'])}/-`, value: { id: `f${nextId++}`, userId: pick(rand, [otherUser, 'gm-ann']), text: 'x' } }]) }),
    () => ({ name: 'anonymous entry', legal: false, apply: (doc) => doc.getArray('chat').push([{ id: `a${nextId++}`, text: 'x' }]) }),
    () => {
      // Nested entries only: "editing" a plain one rewrites it whole, which for one's own last
      // message is a retraction plus a new post — both allowed. Not the other player's: they may
      // retract it meanwhile, and an edit inside a deleted entry is a no-op the server lets pass.
      const nested = entriesOf(mirror, 'chat').filter((e) => e.nested && e.userId !== otherUser);
      const target = pick(rand, nested);
      return { name: 'edit an entry', legal: false, solo: true, apply: patch([{ op: 'replace', path: `/chat/${target.index}/text`, value: 'edited' }]) };
    },
    // Entries nobody may delete, so no concurrent deletion turns the attempt into a no-op: the GM's
    // welcome, and rolls (own or the other player's).
    () => {
      const welcome = entriesOf(mirror, 'chat').find((e) => e.id === 'welcome')!;
      return { name: "delete the GM's message", legal: false, solo: true, apply: (doc) => doc.getArray('chat').delete(welcome.index, 1) };
    },
    () => {
      const rolls = entriesOf(mirror, 'dice');
      return rolls.length === 0 ? null : { name: 'delete a roll', legal: false, solo: true, apply: (doc) => doc.getArray('dice').delete(pick(rand, rolls).index, 1) };
    },
    // The GM's welcome message is first and is never deleted: inserting before it is always mid-list.
    () => ({ name: 'insert before the first message', legal: false, solo: true, apply: (doc) => doc.getArray('chat').insert(0, [{ id: `i${nextId++}`, userId: user, text: 'x' }]) }),
    () => ({ name: 'meta', legal: false, apply: (doc) => doc.getMap('meta').set('sequence', 1 + Math.floor(rand() * 100)) }),
    () => ({ name: 'new root', legal: false, apply: (doc) => doc.getMap(pick(rand, ['notes', 'fog', 'extra'])).set('k', 1) }),
    () => ({ name: 'scene', legal: false, apply: patch([{ op: 'add', path: '/scene/width', value: 1 }]) }),
    () => ({ name: 'place a token', legal: false, apply: patch([{ op: 'add', path: `/tokens/t${nextId++}`, value: { x: 0, y: 0, ownerId: user } }]) }),
    () => ({ name: 'remove a token', legal: false, solo: true, apply: patch([{ op: 'remove', path: `/tokens/${pick(rand, TOKENS)}` }]) }),
  ];
  for (;;) {
    const edit = pick(rand, options)();
    if (edit !== null) return edit;
  }
}

function randomEdit(user: string, mirror: Y.Doc, rand: Rand): Edit {
  const roll = rand();
  if (roll < 0.45) return legalEdit(user, mirror, rand);
  if (roll < 0.85) return illegalEdit(user, mirror, rand);
  // One update holding a legal and an illegal change: refused as a whole.
  let good = legalEdit(user, mirror, rand);
  while (good.solo) good = legalEdit(user, mirror, rand);
  let bad = illegalEdit(user, mirror, rand);
  while (bad.solo) bad = illegalEdit(user, mirror, rand);
  return { name: `${good.name} + ${bad.name}`, legal: false, apply: (doc) => (rand() < 0.5 ? [good, bad] : [bad, good]).forEach((e) => e.apply(doc)) };
}

/** The path from a root to an item of the doc: keys, and list elements as the item that holds them. */
function pathOf(item: Y.Item): Array<string | Y.Item> {
  const path: Array<string | Y.Item> = [];
  let current: Y.Item | null = item;
  let type: Y.AbstractType<unknown> = item.parent as Y.AbstractType<unknown>;
  while (current !== null) {
    path.unshift(current.parentSub ?? current);
    type = current.parent as Y.AbstractType<unknown>;
    current = type._item;
  }
  for (const [name, root] of type.doc!.share) if (root === type) path.unshift(name);
  return path;
}

/** The rules table for players, stated independently of the server's code. */
function playerMayHold(user: string, path: Array<string | Y.Item>, clientsOf: Set<number>): boolean {
  const [root, first, second] = path;
  if (root === 'tokens') return path.length === 3 && CONTROLS[user]!.includes(first as string) && ['x', 'y', 'rotation'].includes(second as string);
  if (root === 'actors') return path.length >= 3 && first === ACTOR_OF[user] && ['notes', 'ui'].includes(second as string);
  if (root === 'chat' || root === 'dice') {
    // Inside an entry this player appended (and the entry names them, while it still exists).
    if (!(first instanceof Y.Item) || !clientsOf.has(first.id.client)) return false;
    if (first.deleted) return true;
    const content = first.content.getContent()[0] as unknown;
    const author = content instanceof Y.Map ? content.get('userId') : (content as { userId?: unknown }).userId;
    return author === user;
  }
  return false;
}

describe('write rules under fuzzing', () => {
  it('[W1]-[W14] random legal and illegal edits of two players: every verdict matches the rules table, the server ends equal to the model, and no illegal path got through', async () => {
    const running: RunningServer = await startServer();
    cleanups.push(() => running.stop());
    const open = async (user: string) => {
      const p = await openTablePeer(running.wsUrl, SESSION, user);
      cleanups.push(() => p.close());
      return p;
    };
    const gm = await open('gm-ann');
    const character = (ownerId: string) => ({
      ownerId,
      kind: 'character',
      hp: { value: 20, max: 20, temp: 0 },
      conditions: [],
      deathSaves: { successes: 0, failures: 0 },
      spellSlots: { '1': { max: 2, used: 1 } },
      ac: 14,
    });
    expect(
      await gm.edit(
        patch([
          { op: 'add', path: '/scene/width', value: 50 },
          { op: 'add', path: '/actors/a-alice', value: character('alice') },
          { op: 'add', path: '/actors/a-bob', value: character('bob') },
          { op: 'add', path: '/actors/goblin', value: { kind: 'npc', hp: { value: 7, max: 7 }, conditions: [] } },
          { op: 'add', path: '/tokens/t-alice', value: { actorId: 'a-alice', x: 1, y: 1, rotation: 0 } },
          { op: 'add', path: '/tokens/t-bob', value: { actorId: 'a-bob', x: 2, y: 2, rotation: 0 } },
          { op: 'add', path: '/tokens/t-goblin', value: { actorId: 'goblin', x: 9, y: 9, rotation: 0 } },
          { op: 'add', path: '/tokens/t-cart', value: { x: 5, y: 5, rotation: 0, controlledBy: ['alice'] } },
          { op: 'add', path: '/chat/-', value: { id: 'welcome', userId: 'gm-ann', text: 'welcome', timestamp: 0 } },
        ]),
      ),
    ).toBe('applied');
    const seed = projectDoc(gm.mirror, TABLE_DOC_SCHEMA) as Record<string, JsonValue>;
    const model: Model = {
      tokens: JSON.parse(JSON.stringify(seed.tokens)) as Model['tokens'],
      notes: {},
      chat: new Set(['welcome']),
      dice: new Set(),
    };
    const players = { alice: await open('alice'), bob: await open('bob') };
    const clients: Record<string, Set<number>> = { alice: new Set(), bob: new Set() };
    const verdicts = { legal: 0, illegal: 0 };

    const play = async (user: 'alice' | 'bob', seedValue: number) => {
      const rand = seededRandom(seedValue);
      const self: TablePeer = players[user];
      for (let round = 0; round < ROUNDS_PER_PLAYER; round++) {
        const edit = randomEdit(user, self.mirror, rand);
        let update: Uint8Array;
        try {
          update = self.build(edit.apply);
        } catch (err) {
          throw new Error(`${user} round ${round}: building "${edit.name}" failed: ${(err as Error).message}`);
        }
        for (const [client] of Y.decodeStateVector(Y.encodeStateVectorFromUpdate(update))) clients[user]!.add(client);
        const outcome = await self.attempt(update);
        expect(outcome, `${user} round ${round}: ${edit.name}${outcome === 'denied' ? ` — ${self.denials.at(-1)}` : ''}`).toBe(edit.legal ? 'applied' : 'denied');
        verdicts[edit.legal ? 'legal' : 'illegal']++;
        if (edit.legal) edit.model?.(model);
      }
    };
    await Promise.all([play('alice', 7), play('bob', 11)]);
    expect(verdicts.legal).toBeGreaterThan(50);
    expect(verdicts.illegal).toBeGreaterThan(100);

    // A fresh reader gets exactly what the server integrated.
    const reader = await open('gm-ann');
    await waitFor(() => Y.encodeStateVector(reader.mirror).join() === Y.encodeStateVector(players.alice.mirror).join(), 5_000, 'reader caught up');
    const state = projectDoc(reader.mirror, TABLE_DOC_SCHEMA) as {
      meta: Record<string, JsonValue>;
      scene: JsonValue;
      tokens: Record<string, Record<string, number>>;
      actors: Record<string, Record<string, JsonValue>>;
      chat: Array<{ id: string }>;
      dice: Array<{ id: string }>;
    };
    expect(state.meta).toEqual({});
    expect(state.scene).toEqual(seed.scene);
    expect(Object.fromEntries(Object.entries(state.tokens).map(([id, t]) => [id, { ...t }]))).toEqual(model.tokens);
    for (const id of ACTORS) {
      const { notes, ...rest } = state.actors[id]!;
      expect(rest, id).toEqual((seed.actors as Record<string, JsonValue>)[id]);
      expect(notes, id).toEqual(model.notes[id]);
    }
    expect(new Set(state.chat.map((e) => e.id))).toEqual(model.chat);
    expect(new Set(state.dice.map((e) => e.id))).toEqual(model.dice);
    // No root outside the schema holds anything.
    for (const [name, type] of reader.mirror.share) if (type._start !== null || type._map.size > 0) expect(TABLE_DOC_SCHEMA).toHaveProperty(name);

    // Every operation a player's client created sits where that player may write.
    let checked = 0;
    for (const [user, ids] of Object.entries(clients)) {
      for (const client of ids) {
        for (const struct of reader.mirror.store.clients.get(client) ?? []) {
          if (!(struct instanceof Y.Item)) continue;
          checked++;
          const path = pathOf(struct);
          expect(playerMayHold(user, path, ids), `${user}: ${path.map((s) => (typeof s === 'string' ? s : '#')).join('/')}`).toBe(true);
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  });
});
