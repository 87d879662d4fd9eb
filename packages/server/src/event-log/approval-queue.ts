import { createHash } from 'node:crypto';
import { type LogEntry, LogEntrySchema } from '@dungeon-lab/events';
import { decodeAny, encodeAny } from './log-codec.ts';

/** A critical intent waiting for the GM: its logged entry (patch = predicted effect) and the entities it locks. */
export interface PendingApproval {
  readonly entry: LogEntry;
  readonly summary: string;
  readonly entities: readonly string[];
}

export function encodePendingApproval(p: PendingApproval): Uint8Array {
  return encodeAny({ entry: p.entry, summary: p.summary, entities: p.entities });
}

export function decodePendingApproval(data: Uint8Array): PendingApproval {
  const raw = decodeAny(data) as { entry: unknown; summary: unknown; entities: unknown };
  if (typeof raw.summary !== 'string' || !Array.isArray(raw.entities)) throw new Error('malformed approval record');
  return { entry: LogEntrySchema.parse(raw.entry), summary: raw.summary, entities: raw.entities.map(String) };
}

/**
 * The id of the event that resolves a critical intent: derived from the
 * intent's id, so "has it been resolved?" is one lookup, and two decisions on
 * the same intent can never both be logged ([EL14]).
 */
export function resolutionIdFor(intentId: string): string {
  const hex = createHash('sha256').update(`approval:${intentId}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * One session's open approvals, in memory (the store holds them durably), and
 * the entities they lock: while a critical intent waits, other intents that
 * would change the same entity are turned away ([EL15]).
 */
export class ApprovalQueue {
  private readonly bySequence = new Map<number, PendingApproval>();
  private readonly locks = new Map<string, number>();

  get size(): number {
    return this.bySequence.size;
  }

  add(p: PendingApproval): void {
    this.bySequence.set(p.entry.event.sequence, p);
    for (const entity of p.entities) this.locks.set(entity, p.entry.event.sequence);
  }

  remove(sequence: number): PendingApproval | undefined {
    const p = this.bySequence.get(sequence);
    if (p === undefined) return undefined;
    this.bySequence.delete(sequence);
    for (const entity of p.entities) if (this.locks.get(entity) === sequence) this.locks.delete(entity);
    return p;
  }

  get(sequence: number): PendingApproval | undefined {
    return this.bySequence.get(sequence);
  }

  /** The pending sequence holding any of `entities`, if one does. */
  lockHolder(entities: readonly string[]): number | undefined {
    for (const e of entities) {
      const holder = this.locks.get(e);
      if (holder !== undefined) return holder;
    }
    return undefined;
  }

  list(): PendingApproval[] {
    return Array.from(this.bySequence.values()).sort((a, b) => a.entry.event.sequence - b.entry.event.sequence);
  }
}
