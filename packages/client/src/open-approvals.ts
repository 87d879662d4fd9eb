import { ApprovalRequestSchema, type ApprovalRequest } from '@dungeon-lab/events';
import { createValue, type ReadableValue } from './readable-value.ts';

/** Sequences remembered as decided, so a late snapshot or repeat cannot bring a request back. */
const RESOLVED_MEMORY = 1000;

/**
 * The GM's view of the approval queue ([EL13]): open requests by sequence,
 * fed by `approval-requested` (live, and the whole queue on every join),
 * emptied by `approval-resolved` and by decisions seen in the log, and
 * reconciled with a REST snapshot on reconnect — the server sends nothing
 * on join when the queue is empty, so a request decided while this client
 * was away would otherwise linger.
 */
export class OpenApprovals {
  readonly #value = createValue<readonly ApprovalRequest[]>([]);
  readonly #open = new Map<number, ApprovalRequest>();
  readonly #resolved = new Set<number>();
  /** Requests that arrived while a snapshot was being fetched; the snapshot may predate them. */
  #sinceSnapshot: Map<number, ApprovalRequest> | null = null;

  get value(): ReadableValue<readonly ApprovalRequest[]> {
    return this.#value;
  }

  /** Adds or refreshes requests (the server's `current` state may have changed); returns the ones that were parsed. */
  add(raw: readonly unknown[]): { added: ApprovalRequest[]; malformed: string[] } {
    const added: ApprovalRequest[] = [];
    const malformed: string[] = [];
    for (const item of raw) {
      const parsed = ApprovalRequestSchema.safeParse(item);
      if (!parsed.success) {
        malformed.push(parsed.error.issues[0]?.message ?? 'invalid');
        continue;
      }
      const sequence = parsed.data.entry.event.sequence;
      this.#sinceSnapshot?.set(sequence, parsed.data);
      if (this.#resolved.has(sequence)) continue;
      this.#open.set(sequence, parsed.data);
      added.push(parsed.data);
    }
    if (added.length > 0) this.#publish();
    return { added, malformed };
  }

  /** The request at `sequence` was decided. */
  resolve(sequence: number): void {
    this.#resolved.add(sequence);
    if (this.#resolved.size > RESOLVED_MEMORY) this.#resolved.delete(this.#resolved.values().next().value!);
    if (this.#open.delete(sequence)) this.#publish();
  }

  /** Call before fetching a snapshot; pass the result to `replace`. */
  beginSnapshot(): object {
    const marker = new Map<number, ApprovalRequest>();
    this.#sinceSnapshot = marker;
    return marker;
  }

  /** The whole queue as the server listed it, plus what arrived since the fetch began. A stale snapshot (another began later) is ignored. */
  replace(marker: object, snapshot: readonly ApprovalRequest[]): void {
    if (marker !== this.#sinceSnapshot) return;
    const since = this.#sinceSnapshot;
    this.#sinceSnapshot = null;
    this.#open.clear();
    for (const request of [...snapshot, ...since.values()]) {
      const sequence = request.entry.event.sequence;
      if (!this.#resolved.has(sequence)) this.#open.set(sequence, request);
    }
    this.#publish();
  }

  /** Not a GM (any more): the queue is not ours to see. */
  clear(): void {
    this.#sinceSnapshot = null;
    if (this.#open.size === 0) return;
    this.#open.clear();
    this.#publish();
  }

  #publish(): void {
    this.#value.set([...this.#open.values()].sort((a, b) => a.entry.event.sequence - b.entry.event.sequence));
  }
}
