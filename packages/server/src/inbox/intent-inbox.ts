import type { Ack } from '@dungeon-lab/events';
import type { SocketRef } from '../event-log/event-log-notice.ts';

/** Intents one user sent through one process, for the process that sequences their session ([IN1]..[IN6]). */
export interface ForwardedIntents {
  readonly sessionId: string;
  readonly userId: string;
  /** The socket that sent them, so the log's notice skips it and its ack is its answer ([EL2]); null over HTTP. */
  readonly sender: SocketRef | null;
  /** As they arrived, unchecked: the sequencer validates them. */
  readonly intents: readonly unknown[];
}

/** The serving process's answer to a batch: one ack per intent, in order. */
export type InboxHandler = (batch: ForwardedIntents) => Promise<Ack[]>;

/**
 * How an intent reaches the one process that sequences its session
 * ([EL19], [IN1]..[IN6] in docs/architecture.md). The lease holder serves
 * the session's inbox; every other process forwards what its clients send.
 * Intents carry their own ids, so a batch delivered twice — after a
 * takeover, or a forward that timed out and was retried — is answered from
 * the log's dedupe ([EL3]) and applied once.
 */
export interface IntentInbox {
  /**
   * Takes the session's forwarded intents, from every process, until the
   * returned function is called. A session served here already has its
   * handler replaced ([IN4]).
   */
  serve(sessionId: string, handler: InboxHandler): () => void;
  /**
   * Hands a batch to the process serving its session and resolves with its
   * acks ([IN1]). While nobody serves it the batch waits ([IN2]); rejects
   * with `LogUnavailableError` when no answer comes within the inbox's
   * timeout or the handler failed, so the client retries ([IN3], [IN5]).
   */
  forward(batch: ForwardedIntents): Promise<Ack[]>;
  /** Stops serving every session of this process and fails the forwards still waiting. */
  close(): Promise<void>;
}
