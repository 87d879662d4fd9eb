/**
 * What the write rules cost on the hot path: a player's token move (one key
 * set, ~40 bytes) judged against a table of realistic size, next to what the
 * room did before for every update (decode it whole) and what applying it
 * costs. Not a test: run `npx tsx test/write-rules-cost.ts` in
 * packages/server and read the numbers.
 */
import { TABLE_DOC_SCHEMA, applyPatchToDoc, type JsonPatchOp } from '@dungeon-lab/events';
import * as Y from 'yjs';
import { checkUpdate } from '../src/update-check.ts';
import { analyzeUpdate } from '../src/write-rules/analyze-update.ts';
import { writeGuardFor } from '../src/write-rules/write-guard.ts';

const TOKENS = 200;
const CHAT = 2_000;

function table(): Y.Doc {
  const doc = new Y.Doc();
  const ops: JsonPatchOp[] = [];
  for (let i = 0; i < TOKENS; i++) {
    ops.push({ op: 'add', path: `/actors/a${i}`, value: { name: `A${i}`, ownerId: `p${i % 6}`, hp: { value: 10, max: 10 }, conditions: [], notes: 'x' } });
    ops.push({ op: 'add', path: `/tokens/t${i}`, value: { actorId: `a${i}`, x: i, y: i } });
  }
  for (let i = 0; i < CHAT; i++) ops.push({ op: 'add', path: '/chat/-', value: { id: `m${i}`, userId: `p${i % 6}`, text: 'hello there' } });
  doc.transact(() => applyPatchToDoc(doc, TABLE_DOC_SCHEMA, ops));
  return doc;
}

function tokenMove(server: Y.Doc, token: string, x: number): Uint8Array {
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
  let update: Uint8Array | null = null;
  client.on('update', (u: Uint8Array) => (update = u));
  client.getMap<Y.Map<number>>('tokens').get(token)!.set('x', x);
  return update!;
}

function measure(name: string, iterations: number, fn: () => void): void {
  for (let i = 0; i < iterations / 10; i++) fn();
  const samples: number[] = [];
  for (let round = 0; round < 20; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations / 20; i++) fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1000 / (iterations / 20));
  }
  samples.sort((a, b) => a - b);
  console.log(`${name.padEnd(48)} median ${samples[10]!.toFixed(2)} µs   p90 ${samples[18]!.toFixed(2)} µs`);
}

const server = table();
const move = tokenMove(server, 't7', 42);
const guard = writeGuardFor('sessions/bench/table', { roleOf: () => 'player' })!;
const verdict = guard.check(server, 'p1', move);
if (!verdict.allowed) throw new Error(`the move should be allowed: ${verdict.reason}`);
console.log(`token move: ${move.byteLength} bytes; table: ${TOKENS} tokens and actors, ${CHAT} chat entries`);
const N = 100_000;
measure('decode + 2^53 check (before: every update)', N, () => checkUpdate(move));
measure('analyzeUpdate (decode + paths)', N, () => analyzeUpdate(server, move));
measure('guard.check (analyze + rules + ownership)', N, () => guard.check(server, 'p1', move));
const denied = tokenMove(server, 't8', 1);
measure('guard.check, denied (not the owner)', N, () => guard.check(server, 'p1', denied));
// Sequential moves of one player, applied in order to fresh copies of the table (copies made outside the clock).
const mover = new Y.Doc();
Y.applyUpdate(mover, Y.encodeStateAsUpdate(server));
const moves: Uint8Array[] = [];
mover.on('update', (u: Uint8Array) => moves.push(u));
for (let i = 0; i < 1_000; i++) mover.getMap<Y.Map<number>>('tokens').get('t7')!.set('x', i);
const applied: number[] = [];
const judged: number[] = [];
for (let round = 0; round < 10; round++) {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(server));
  let judging = 0n;
  let applying = 0n;
  for (const update of moves) {
    const a = process.hrtime.bigint();
    guard.check(copy, 'p1', update);
    const b = process.hrtime.bigint();
    Y.applyUpdate(copy, update);
    const c = process.hrtime.bigint();
    judging += b - a;
    applying += c - b;
  }
  judged.push(Number(judging) / 1000 / moves.length);
  applied.push(Number(applying) / 1000 / moves.length);
}
const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1]!;
console.log(`${'sequential moves: guard.check then Y.applyUpdate'.padEnd(48)} check ${median(judged).toFixed(2)} µs, apply ${median(applied).toFixed(2)} µs (medians of 10 × 1000)`);
