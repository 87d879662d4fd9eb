/**
 * Well-framed messages with hostile content, for fuzzing what lies behind the
 * frame decoder: intents with junk payloads, awareness with junk states,
 * valid Yjs updates from strangers, absurd state vectors and catch-up
 * positions, envelopes to rooms the sender may or may not read. Most of them
 * do not close the socket, so a fuzzer's frames reach the event log, the
 * rooms and the limits instead of stopping at the first decoding error.
 * Deterministic for a seed.
 */
import { type JsonValue, createIntent } from '@dungeon-lab/events';
import { encodeMessage, encodeRoomEnvelope, type RoomScopedMessage } from '@dungeon-lab/protocol';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { Rand } from './frame-mutator.ts';

const int = (rand: Rand, n: number): number => Math.floor(rand() * n);
const pick = <T>(rand: Rand, items: readonly T[]): T => items[int(rand, items.length)]!;

const STRINGS = ['', ' ', 'x', '🎲', '\u0000', '__proto__', 'constructor', '../../etc', '%00', '<script>', 'a'.repeat(300)];

/** Any JSON-ish value: mostly small, now and then very long or very deep; odd numbers, odd keys. */
export function junkValue(rand: Rand, depth = 0): unknown {
  const r = rand();
  if (depth > 4 || r < 0.4) return pick(rand, [0, -0, 1e308, -1, 2 ** 53, 0.1, true, false, null, '\ud800', ...STRINGS]);
  if (r < 0.42) return 'y'.repeat(int(rand, 20_000));
  if (r < 0.45) {
    // Nested deeper than any schema allows.
    let v: unknown = 1;
    for (let i = 0; i < 40 + int(rand, 60); i++) v = [v];
    return v;
  }
  if (r < 0.7) return Array.from({ length: int(rand, 5) }, () => junkValue(rand, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = int(rand, 5); i > 0; i--) {
    // defineProperty, so `__proto__` becomes a key (as JSON.parse makes it) rather than the prototype.
    const key = pick(rand, [...STRINGS, 'text', 'notation', 'tokenId', 'x', 'y', 'sequence', 'decision']);
    Object.defineProperty(o, key, { value: junkValue(rand, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return o;
}

function junkIntent(rand: Rand): unknown {
  const r = rand();
  const type = pick(rand, ['chat:message', 'dice:roll', 'token:move', 'approval:resolve', 'plugin:x:y', 'nope', '', 'CHAT:MESSAGE']);
  if (r < 0.3) {
    // Plausible payloads, sometimes valid: these get sequenced, applied and broadcast.
    const payloads: Record<string, unknown> = {
      'chat:message': { text: `hello ${int(rand, 1e6)}` },
      'dice:roll': { notation: pick(rand, ['1d20', '2d6+3', '100d1000', '4d6kh3', 'd%', '1d0', '999d999']) },
      'token:move': { tokenId: pick(rand, ['t1', 'ghost', '']), x: int(rand, 5000) - 100, y: int(rand, 5000) - 100 },
      'approval:resolve': { sequence: int(rand, 50) + 1, decision: pick(rand, ['approve', 'deny']) },
    };
    return createIntent(type, (payloads[type] ?? junkValue(rand)) as JsonValue);
  }
  if (r < 0.6) return { id: crypto.randomUUID(), type, payload: junkValue(rand), ...(rand() < 0.3 ? { checksum: 'sha256:00' } : {}) };
  if (r < 0.75) return { id: crypto.randomUUID(), type, payload: junkValue(rand), expected: { entity: pick(rand, ['/actors/a', '/tokens/t1', '', '/']), version: int(rand, 10) - 2 } };
  return junkValue(rand);
}

/** A valid update from a client id nobody has seen, sometimes depending on operations nobody has. */
function strangerUpdate(rand: Rand): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = 1 + int(rand, 2 ** 31);
  const before = rand() < 0.1 ? (doc.getText('t').insert(0, 'hidden'), Y.encodeStateVector(doc)) : undefined;
  const r = rand();
  const value = junkValue(rand, 3);
  try {
    if (r < 0.4) doc.getMap(pick(rand, ['tokens', 'actors', 'scene', 'meta', 'weird'])).set(pick(rand, STRINGS), value);
    else if (r < 0.7) doc.getArray(pick(rand, ['chat', 'dice', 'list'])).push([value]);
    else doc.getText(pick(rand, ['notes', 'tokens'])).insert(0, pick(rand, STRINGS));
  } catch {
    // Yjs refuses some values a client could still encode by hand (an object with a `constructor` key).
    doc.getArray('list').push([String(r)]);
  }
  return Y.encodeStateAsUpdate(doc, before);
}

function junkStateVector(rand: Rand): Uint8Array {
  const sv = new Map<number, number>();
  for (let i = int(rand, 5); i > 0; i--) sv.set(int(rand, 2 ** 32), pick(rand, [0, 1, int(rand, 1e6), 2 ** 31, 2 ** 53 - 1]));
  return Y.encodeStateVector(sv);
}

function junkAwareness(rand: Rand): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = rand() < 0.5 ? 1 + int(rand, 2 ** 31) : 42;
  const awareness = new awarenessProtocol.Awareness(doc);
  awareness.setLocalState(rand() < 0.1 ? null : (junkValue(rand, 3) as Record<string, unknown>) ?? {});
  const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]);
  awareness.destroy();
  return update;
}

/** One room-scoped message with hostile content. */
function hostileScoped(rand: Rand): RoomScopedMessage {
  const r = rand();
  if (r < 0.35) return { type: 'intent-submit', intents: Array.from({ length: rand() < 0.02 ? 60 : 1 + int(rand, 4) }, () => junkIntent(rand)) };
  if (r < 0.6) return { type: 'sync-update', update: strangerUpdate(rand) };
  if (r < 0.68) return { type: 'sync-step2', update: strangerUpdate(rand) };
  if (r < 0.88) return { type: 'awareness', update: junkAwareness(rand) };
  // Rarer: each is answered with up to the whole document ([F8]).
  if (r < 0.9) return { type: 'sync-step1', stateVector: junkStateVector(rand) };
  if (r < 0.95) return { type: 'catch-up-request', from: pick(rand, [0, 1, int(rand, 1000), 2 ** 53 - 1]) };
  return { type: 'query-awareness' };
}

export interface HostileTargets {
  /** The session the fuzzing player belongs to. */
  readonly sessionId: string;
  /** The fuzzing player's user id. */
  readonly userId: string;
}

/**
 * A well-framed message with hostile content: bare (to the URL room), or in
 * an envelope to the player's own room, rooms they may not read, open rooms
 * or invalid names; now and then a hello or a room-leave.
 */
export function hostileMessage(rand: Rand, t: HostileTargets): Uint8Array {
  const r = rand();
  if (r < 0.02) return encodeMessage({ type: 'hello', version: 1, features: int(rand, 16) });
  if (r < 0.03) return encodeMessage({ type: 'room-leave', room: pick(rand, [`sessions/${t.sessionId}/players/${t.userId}`, 'fuzz/open', 'never-joined']) });
  const inner = encodeMessage(hostileScoped(rand));
  if (r < 0.75) return inner;
  const room = pick(rand, [
    `sessions/${t.sessionId}/players/${t.userId}`,
    `sessions/${t.sessionId}/table`,
    `sessions/${t.sessionId}/gm`,
    `sessions/${t.sessionId}/players/someone-else`,
    `sessions/${t.sessionId}/notes`,
    `fuzz/open-${int(rand, 40)}`,
    '',
    '\u0000',
  ]);
  return encodeRoomEnvelope(room, inner);
}
