import type { LoggedEvent, MemoryPersistenceStore } from '@dungeon-lab/client';
import { APPROVAL_RESOLVE_TYPE, type DocSchema, projectDoc } from '@dungeon-lab/events';
import { settlePendingStructs } from '@dungeon-lab/protocol';
import * as Y from 'yjs';
import type { Acknowledgements } from './fuzz-client.ts';

/** One document as some party holds it: its state vector and its content. */
export interface DocState {
  readonly stateVector: Map<number, number>;
  /** Every root type's JSON, canonical (sorted keys), so equal content compares equal as strings. */
  readonly content: string;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** A document's state vector and its content as JSON, read with the document's shape. */
export function docState(doc: Y.Doc, schema: DocSchema): DocState {
  return { stateVector: Y.decodeStateVector(Y.encodeStateVector(doc)), content: JSON.stringify(canonical(projectDoc(doc, schema))) };
}

function svString(sv: Map<number, number>): string {
  return JSON.stringify([...sv.entries()].sort((a, b) => a[0] - b[0]));
}

/** A document rebuilt from a client's local storage: what a reload would start from. */
export function storedDoc(storage: MemoryPersistenceStore, name: string): Y.Doc | null {
  const record = storage.records.get(name);
  if (record === undefined) return null;
  const doc = new Y.Doc();
  // As a reload's doc is ([P17]).
  settlePendingStructs(doc);
  if (record.updates.length > 0) Y.applyUpdate(doc, Y.mergeUpdates(record.updates));
  return doc;
}

/** `a` and `b` hold the same document: the same state vector and the same content. */
export function compareDocs(what: string, a: DocState, b: DocState, failures: string[]): void {
  if (svString(a.stateVector) !== svString(b.stateVector)) {
    failures.push(`${what}: state vectors differ: ${svString(a.stateVector)} vs ${svString(b.stateVector)}; content ${a.content.slice(0, 200)} vs ${b.content.slice(0, 200)}`);
  }
  else if (a.content !== b.content) failures.push(`${what}: same state vector, different content: ${a.content.slice(0, 300)} vs ${b.content.slice(0, 300)}`);
}

/**
 * `reloaded` has everything `original` had (its state vector covers it; a
 * server's own bookkeeping write on load may add to it) and the same content.
 */
export function coversAndEquals(what: string, reloaded: DocState, original: DocState, failures: string[]): void {
  for (const [clientId, clock] of original.stateVector) {
    if ((reloaded.stateVector.get(clientId) ?? 0) < clock) {
      failures.push(`${what}: lost updates: ${clientId} was at ${clock}, now ${reloaded.stateVector.get(clientId) ?? 0}`);
      return;
    }
  }
  if (reloaded.content !== original.content) failures.push(`${what}: different content: ${reloaded.content.slice(0, 300)} vs ${original.content.slice(0, 300)}`);
}

/** Every `saved` a client was sent is covered by the server's final document: no acknowledged update was lost. */
export function checkSaved(acks: Acknowledgements, serverDocs: ReadonlyMap<string, DocState>, failures: string[]): number {
  let lost = 0;
  for (const saved of acks.saved) {
    const final = serverDocs.get(saved.doc);
    if (final === undefined) {
      failures.push(`${saved.client}: saved ${saved.doc}, which the server does not have`);
      lost++;
      continue;
    }
    for (const [clientId, clock] of saved.stateVector) {
      if ((final.stateVector.get(clientId) ?? 0) < clock) {
        lost++;
        failures.push(`${saved.client}: ${saved.doc} was saved up to ${clientId}:${clock}, the server ends at ${final.stateVector.get(clientId) ?? 0}`);
        break;
      }
    }
  }
  return lost;
}

/**
 * The server's log is one gap-free sequence 1..N of unique ids; every intent
 * a client saw acknowledged is in it exactly once, at the sequence it was
 * told, and ended as its ack said it would (applied at once, or decided by
 * the GM); no intent a client saw rejected is in it.
 */
export function checkLog(acks: Acknowledgements, log: readonly LoggedEvent[], failures: string[]): number {
  let lost = 0;
  log.forEach((e, i) => {
    if (e.sequence !== i + 1) failures.push(`log: entry ${i} has sequence ${e.sequence}, expected ${i + 1} (a gap or a repeat)`);
  });
  const byId = new Map<string, LoggedEvent[]>();
  for (const e of log) byId.set(e.id, [...(byId.get(e.id) ?? []), e]);
  for (const [id, entries] of byId) if (entries.length > 1) failures.push(`log: intent ${id} is logged ${entries.length} times (${entries.map((e) => e.sequence).join(', ')})`);
  for (const e of log) {
    if (e.status === 'pending' || e.status === 'awaiting-approval') failures.push(`log: ${e.sequence} (${e.type}) still ${e.status} after the final flush`);
  }
  for (const ack of acks.acked) {
    if (ack.decides !== undefined) {
      // A decision is logged as the resolution of its target, under an id derived from the target's: the entry
      // at the acked sequence must be that resolution (a repeated decision is answered with the first one's).
      const entry = log[ack.sequence - 1];
      const payload = entry?.payload as { sequence?: number } | undefined;
      if (entry === undefined || entry.type !== APPROVAL_RESOLVE_TYPE || payload?.sequence !== ack.decides || entry.status !== 'applied') {
        lost++;
        failures.push(`${ack.client}: the decision on #${ack.decides} was acked at ${ack.sequence}, where the log has ${entry === undefined ? 'nothing' : `${entry.type} (${entry.status})`}`);
      }
      continue;
    }
    const entries = byId.get(ack.id);
    if (entries === undefined) {
      lost++;
      failures.push(`${ack.client}: intent ${ack.id} (${ack.type}) was acked at sequence ${ack.sequence}, and is not in the log`);
      continue;
    }
    const entry = entries[0]!;
    if (entry.sequence !== ack.sequence) failures.push(`${ack.client}: intent ${ack.id} was acked at ${ack.sequence}, logged at ${entry.sequence}`);
    const expected = ack.status === 'applied' ? ['applied'] : ['approved', 'denied'];
    if (!expected.includes(entry.status)) failures.push(`${ack.client}: intent ${ack.id} was acked ${ack.status}, the log says ${entry.status}`);
  }
  for (const r of acks.rejected) {
    if (byId.has(r.id)) failures.push(`${r.client}: intent ${r.id} (${r.type}) was rejected (${r.reason}) yet is logged`);
  }
  for (const d of acks.decided) {
    const entry = byId.get(d.id)?.[0];
    if (entry === undefined || entry.status !== d.decision) failures.push(`${d.client}: intent ${d.id} was ${d.decision}, the log says ${entry?.status ?? 'nothing'}`);
  }
  return lost;
}

/**
 * Applied exactly once, as the document shows it: every chat intent the log
 * holds as applied is one entry of the table's chat (its id), no other entry
 * is there, and none is there twice.
 */
export function checkChat(log: readonly LoggedEvent[], chat: ReadonlyArray<{ readonly id?: unknown }>, failures: string[]): void {
  const logged = new Set(log.filter((e) => e.type === 'chat:message' && e.status === 'applied').map((e) => e.id));
  const seen = new Map<unknown, number>();
  for (const entry of chat) seen.set(entry.id, (seen.get(entry.id) ?? 0) + 1);
  for (const [id, n] of seen) {
    if (n > 1) failures.push(`table: chat entry ${String(id)} is there ${n} times`);
    if (!logged.has(id as string)) failures.push(`table: chat entry ${String(id)} is not an applied entry of the log`);
  }
  for (const id of logged) if (!seen.has(id)) failures.push(`table: the log applied chat ${id}, the table does not show it`);
}
