/** One process's hold on a session's sequencing lease. */
export interface LeaseGrant {
  readonly sessionId: string;
  /**
   * Larger than every epoch granted for this session before, whoever held
   * it ([SL1]): it tells grants apart. The store's fence is its own claim
   * ([EL24]), which a lease store that loses its epochs cannot undo.
   */
  readonly epoch: number;
}

/**
 * Who may sequence a session's intents ([SL1]..[SL7] in
 * docs/architecture.md): one process at a time holds its lease, renews it
 * well within `ttlMs`, and runs the session's sequencer only while it does.
 */
export interface SessionLease {
  /** How long a grant lasts unrenewed; Infinity when it never expires. */
  readonly ttlMs: number;
  /**
   * Takes the session's lease for this process: a grant, or null while
   * another process holds it ([SL2]). The holder asking again gets the grant
   * it holds ([SL3]).
   */
  acquire(sessionId: string): Promise<LeaseGrant | null>;
  /**
   * Extends the grant by `ttlMs`. False when it is no longer held — expired
   * and taken by another process, or released — and then `onLost` has been
   * called for it ([SL5]).
   */
  renew(grant: LeaseGrant): Promise<boolean>;
  /** Gives the lease up so another process may take it at once ([SL4]); a grant no longer held changes nothing ([SL6]). */
  release(grant: LeaseGrant): Promise<void>;
  /** `listener` is called once for each grant this process loses without releasing it ([SL5]). */
  onLost(listener: (grant: LeaseGrant) => void): () => void;
  /** Releases every grant this process holds. */
  close(): Promise<void>;
}
