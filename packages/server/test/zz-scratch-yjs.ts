import { encodeMessage, decodeMessage } from '@dungeon-lab/protocol';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { docContent } from './doc-content.ts';
import { hostileFrame, prng, type Rand } from './frame-mutator.ts';

function edit(doc: Y.Doc, rand: Rand, who: string): void {
  const r = rand();
  if (r < 0.35) doc.getMap('tokens').set(`t${Math.floor(rand() * 12)}`, { x: Math.floor(rand() * 50), by: who });
  else if (r < 0.55) doc.getArray<string>('chat').push([`${who}:${Math.floor(rand() * 1e6)}`]);
  else if (r < 0.65 && doc.getArray('chat').length > 0) doc.getArray('chat').delete(Math.floor(rand() * doc.getArray('chat').length), 1);
  else if (r < 0.85) doc.getText('notes').insert(Math.floor(rand() * (doc.getText('notes').length + 1)), `${who} `);
  else if (doc.getText('notes').length > 3) doc.getText('notes').delete(Math.floor(rand() * (doc.getText('notes').length - 2)), 2);
  else doc.getMap('tokens').delete(`t${Math.floor(rand() * 12)}`);
}
const J = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));

const seed = Number(process.argv[2] ?? 1);
const rand = prng(seed);
const S = new Y.Doc();
const A = new Y.Doc();
const B = new Y.Doc();
const legitUpdates: Uint8Array[] = [];
let legitThrows = 0, clientThrows = 0, fuzzThrows = 0;
S.on('update', (u: Uint8Array, origin: unknown) => {
  for (const d of [A, B]) if (origin !== d) { try { Y.applyUpdate(d, u, 'S'); } catch (e) { clientThrows++; console.log('client apply threw', String(e)); } }
});
for (const d of [A, B]) d.on('update', (u: Uint8Array, origin: unknown) => {
  if (origin === 'S') return;
  legitUpdates.push(u);
  try { Y.applyUpdate(S, u, d); } catch (e) { legitThrows++; console.log('LEGIT update threw on server', String(e)); }
});
for (let i = 0; i < 80; i++) { edit(A, rand, 'a'); edit(B, rand, 'b'); }
const template = new Y.Doc();
const tUpdates: Uint8Array[] = [];
template.on('update', (u: Uint8Array) => tUpdates.push(u));
for (let i = 0; i < 60; i++) edit(template, rand, 't');
const aw = new awarenessProtocol.Awareness(template);
aw.setLocalState({ x: 1 });
const corpus = [
  ...tUpdates.map((u) => encodeMessage({ type: 'sync-update', update: u })),
  ...legitUpdates.slice(-40).map((u) => encodeMessage({ type: 'sync-update', update: u })),
  encodeMessage({ type: 'sync-step2', update: Y.encodeStateAsUpdate(template) }),
  encodeMessage({ type: 'sync-step2', update: Y.encodeStateAsUpdate(A) }),
];
const frand = prng(seed + 100);
const lrand = prng(seed + 1);
const poison: Uint8Array[] = [];
for (let i = 0; i < 20000; i++) {
  const f = hostileFrame(frand, corpus);
  let m; try { m = decodeMessage(f); } catch { continue; }
  if (m.type !== 'sync-update' && m.type !== 'sync-step2') continue;
  try { Y.decodeUpdate(m.update); } catch { continue; }
  try { Y.applyUpdate(S, m.update, 'fuzz'); } catch (e) { fuzzThrows++; poison.push(m.update); }
  if (i % 20 === 0) { edit(A, lrand, 'a'); edit(B, lrand, 'b'); }
}
for (let i = 0; i < 20; i++) { edit(A, lrand, 'a'); edit(B, lrand, 'b'); }
const L = new Y.Doc();
Y.applyUpdate(L, Y.encodeStateAsUpdate(S));
console.log({ seed, legitThrows, clientThrows, fuzzThrows, pendingS: !!S.store.pendingStructs, pendingDsS: !!S.store.pendingDs });
console.log('A==B', J(docContent(A)) === J(docContent(B)), 'A==S', J(docContent(A)) === J(docContent(S)), 'L==S', J(docContent(L)) === J(docContent(S)));
if (J(docContent(L)) !== J(docContent(S))) console.log('SV S', J((docContent(S) as any).stateVector), 'SV L', J((docContent(L) as any).stateVector));
import { writeFileSync } from 'node:fs';
writeFileSync(`/tmp/dl-scratch/poison-${seed}.json`, JSON.stringify(poison.map((p) => Array.from(p))));
