import { decodeMessage, encodeMessage, encodeRoomEnvelope, type RoomScopedMessage } from '@dungeon-lab/protocol';

/**
 * Produces hostile frames from a corpus of real ones: bit flips, truncation,
 * splicing, corrupted length fields, type changes and plain random bytes.
 * Deterministic for a given seed so that a failing run can be replayed.
 */

export type Rand = () => number;

export { seededRandom as prng } from '@dungeon-lab/testing';

const int = (rand: Rand, n: number): number => Math.floor(rand() * n);

export function randomBytes(rand: Rand, maxLength: number): Uint8Array {
  return new Uint8Array(int(rand, maxLength + 1)).map(() => int(rand, 256));
}

/** A varUint (LEB128) of `value`, as lib0 writes it. */
function varUint(value: number): number[] {
  const out: number[] = [];
  while (value > 0x7f) {
    out.push(0x80 | (value & 0x7f));
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

/** Byte offsets where a varUint starts, assuming the frame is a sequence of varUints (true for headers). */
function varUintStarts(frame: Uint8Array, limit: number): number[] {
  const starts = [0];
  for (let i = 0; i < Math.min(frame.length, limit) - 1; i++) if ((frame[i]! & 0x80) === 0) starts.push(i + 1);
  return starts;
}

type Mutation = (frame: Uint8Array, rand: Rand, corpus: readonly Uint8Array[]) => Uint8Array;

const mutations: Mutation[] = [
  // Bit flips anywhere.
  (f, rand) => {
    const out = f.slice();
    for (let n = 1 + int(rand, 3); n > 0 && out.length > 0; n--) out[int(rand, out.length)]! ^= 1 << int(rand, 8);
    return out;
  },
  // Random byte overwrite.
  (f, rand) => {
    const out = f.slice();
    if (out.length > 0) out[int(rand, out.length)] = int(rand, 256);
    return out;
  },
  // Truncation.
  (f, rand) => f.slice(0, int(rand, f.length + 1)),
  // Trailing garbage.
  (f, rand) => concat(f, randomBytes(rand, 16)),
  // Splice: the head of this frame, the tail of another.
  (f, rand, corpus) => {
    const other = corpus[int(rand, corpus.length)]!;
    return concat(f.slice(0, int(rand, f.length + 1)), other.slice(int(rand, other.length + 1)));
  },
  // Length/count field corruption: rewrite one of the leading varUints with a nearby or absurd value.
  (f, rand) => {
    const starts = varUintStarts(f, 12);
    const at = starts[int(rand, starts.length)]!;
    let end = at;
    while (end < f.length && (f[end]! & 0x80) !== 0) end++;
    const old = f[at] ?? 0;
    const choices = [old + 1, Math.max(0, old - 1), 0, 0x7f, 0xffff, 2 ** 31, 2 ** 53 - 1, int(rand, 1 << 20)];
    return concat(f.slice(0, at), Uint8Array.from(varUint(choices[int(rand, choices.length)]!)), f.slice(end + 1));
  },
  // Message type / sync step change.
  (f, rand) => {
    const out = f.slice();
    if (out.length > 0) out[int(rand, Math.min(2, out.length))] = int(rand, 30);
    return out;
  },
  // Duplicate or delete a slice.
  (f, rand) => {
    const a = int(rand, f.length + 1);
    const b = a + int(rand, Math.min(32, f.length - a + 1));
    return rand() < 0.5 ? concat(f.slice(0, b), f.slice(a)) : concat(f.slice(0, a), f.slice(b));
  },
];

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function mutateBytes(bytes: Uint8Array, rand: Rand, corpus: readonly Uint8Array[]): Uint8Array {
  let out = bytes;
  for (let n = 1 + int(rand, 2); n > 0; n--) out = mutations[int(rand, mutations.length)]!(out, rand, corpus);
  return out;
}

/**
 * Mutates the Yjs payload (update, state vector, awareness update) of a real
 * frame and frames it again correctly, so the damage gets past the frame
 * decoder and reaches Yjs itself. Null when the frame carries no payload.
 */
function mutatePayload(frame: Uint8Array, rand: Rand, corpus: readonly Uint8Array[]): Uint8Array | null {
  const msg = decodeMessage(frame);
  const inner = msg.type === 'room' ? msg.message : msg;
  let mutated: RoomScopedMessage;
  switch (inner.type) {
    case 'sync-step1':
      mutated = { type: inner.type, stateVector: mutateBytes(inner.stateVector, rand, corpus) };
      break;
    case 'sync-step2':
    case 'sync-update':
    case 'awareness':
      mutated = { type: inner.type, update: mutateBytes(inner.update, rand, corpus) };
      break;
    default:
      return null;
  }
  const out = encodeMessage(mutated);
  return msg.type === 'room' ? encodeRoomEnvelope(msg.room, out) : out;
}

/**
 * One hostile frame: random bytes, untouched real frames, frames damaged
 * anywhere, and well-framed messages with a damaged payload. `corpus` must
 * hold well-formed frames only.
 */
export function hostileFrame(rand: Rand, corpus: readonly Uint8Array[]): Uint8Array {
  const r = rand();
  if (r < 0.1) return randomBytes(rand, 300);
  const frame = corpus[int(rand, corpus.length)]!;
  if (r < 0.2) return frame;
  if (r < 0.6) {
    const payloadMutated = mutatePayload(frame, rand, corpus);
    if (payloadMutated !== null) return payloadMutated;
  }
  return mutateBytes(frame, rand, corpus);
}
