import type { ApprovalRequest, ApprovalResolution, LogEntry } from '@dungeon-lab/events';

/** A socket on some process: the sender of an intent, who gets its ack instead of its broadcast. */
export interface SocketRef {
  readonly process: string;
  readonly socket: number;
}

/**
 * What a session's event-log sockets are told, on the room bus ([EL2],
 * [EL13], [EL14]). Each process filters it for its own sockets ([EL17]).
 */
export type EventLogNotice =
  /** An entry was logged (applied, awaiting approval, or rejected after logging). */
  | { readonly kind: 'applied'; readonly entry: LogEntry; readonly sender: SocketRef | null }
  /** Critical intents wait for a GM, with the state of what they would change at the time. */
  | { readonly kind: 'approval-requested'; readonly approvals: readonly ApprovalRequest[] }
  /** A GM decided; `target` is the decided entry, whose readers may learn of it. */
  | { readonly kind: 'approval-resolved'; readonly target: LogEntry; readonly resolution: ApprovalResolution };
