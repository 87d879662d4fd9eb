import type { Ack, ApprovalRequest, LogEntry } from '@dungeon-lab/events';
import type { CheckpointInfo } from '../event-log/checkpoints.ts';
import type { SocketRef } from '../event-log/event-log-notice.ts';

/** Intents one user sent through one process, for the process that sequences their session. */
export interface ForwardedIntents {
  readonly kind: 'intents';
  readonly sessionId: string;
  readonly userId: string;
  /** The socket that sent them, so the log's notice skips it and its ack is its answer ([EL2]); null over HTTP. */
  readonly sender: SocketRef | null;
  /** As they arrived, unchecked: the sequencer validates them. */
  readonly intents: readonly unknown[];
}

/** What only the process sequencing a session can do ([EL19], [IN1]..[IN7]). */
export type HolderRequest =
  | ForwardedIntents
  /** The open approval queue, as a GM sees it ([EL14]). */
  | { readonly kind: 'approvals'; readonly sessionId: string }
  /** A checkpoint of the table document at an exact version ([EL8]). */
  | { readonly kind: 'checkpoint-create'; readonly sessionId: string; readonly userId: string; readonly name: string }
  /** A checkpoint restored, as a new log entry ([EL8]). */
  | { readonly kind: 'checkpoint-restore'; readonly sessionId: string; readonly userId: string; readonly checkpointId: string };

/** The answer to each kind of request. */
export interface HolderAnswers {
  /** One ack per intent, in order. */
  readonly intents: Ack[];
  readonly approvals: ApprovalRequest[];
  readonly 'checkpoint-create': CheckpointInfo;
  /** The restore's log entry; null when the session has no such checkpoint. */
  readonly 'checkpoint-restore': LogEntry | null;
}

export type HolderAnswer<R extends HolderRequest> = HolderAnswers[R['kind']];

/** The serving process's answer to a request of its session. */
export type HolderHandler = <R extends HolderRequest>(request: R) => Promise<HolderAnswer<R>>;

/**
 * How a request reaches the one process that sequences its session ([EL19],
 * [IN1]..[IN7] in docs/architecture.md). The lease holder serves the
 * session's inbox; every other process forwards what its clients ask.
 * Intents carry their own ids, so a batch delivered twice — after a
 * takeover, or a forward that timed out and was retried — is answered from
 * the log's dedupe ([EL3]) and applied once.
 */
export interface HolderInbox {
  /**
   * Takes the session's forwarded requests, from every process, until the
   * returned function is called. A session served here already has its
   * handler replaced ([IN4]).
   */
  serve(sessionId: string, handler: HolderHandler): () => void;
  /**
   * Hands a request to the process serving its session and resolves with its
   * answer ([IN1]). While nobody serves it the request waits ([IN2]); rejects
   * with `LogUnavailableError` when no answer comes within the inbox's
   * timeout or the handler failed, so the client retries ([IN3], [IN5]).
   */
  forward<R extends HolderRequest>(request: R): Promise<HolderAnswer<R>>;
  /** Stops serving every session of this process and fails the forwards still waiting. */
  close(): Promise<void>;
}
