import type { Ack, LogEntry } from '@dungeon-lab/events';
import { RejectReason } from '@dungeon-lab/protocol';

export type Rejection = Extract<Ack, { success: false }>;

export function rejection(id: string, reason: RejectReason, detail: string, extra: Partial<Rejection> = {}): Rejection {
  return { id, success: false, reason, detail, ...extra };
}

/** The id a raw (possibly invalid) intent claims, for answering it. */
export function idOf(raw: unknown): string {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id.slice(0, 64) : '';
}

/** The answer a logged entry gives the intent it came from, and any resend of it ([EL3]). */
export function ackFor(entry: LogEntry): Ack {
  switch (entry.status) {
    case 'rejected':
      return rejection(entry.event.id, RejectReason.Conflict, entry.reason ?? 'rejected');
    case 'denied':
      return rejection(entry.event.id, RejectReason.Denied, entry.reason ?? 'denied by the GM');
    case 'awaiting-approval':
      return { id: entry.event.id, success: true, sequence: entry.event.sequence, status: 'awaiting-approval' };
    default:
      return { id: entry.event.id, success: true, sequence: entry.event.sequence };
  }
}

/** The log could not be written: no ack is given, the client retries and dedupe keeps it exactly-once. */
export class LogUnavailableError extends Error {
  override readonly name = 'LogUnavailableError';
}
