import { docChecksum } from '@dungeon-lab/protocol';
import type * as Y from 'yjs';
import { clockOf, localStateVector, stateVectorsEqual, type StateVector } from './state-vector.ts';

export type DriftReason =
  /** The server holds operations this client never received. */
  | 'missing-inbound'
  /** Same operations on both sides, different content: a delete went missing one way. */
  | 'checksum-mismatch'
  /** Operations this client held a whole checksum period ago never reached the server. */
  | 'missing-outbound';

/**
 * Compares the local doc with the server's periodic checksums. The server
 * sends a checksum only after every update it had applied was written to this
 * socket, so anything in its state vector must already be here. The other
 * direction needs patience: a local edit may be in flight when the checksum is
 * sent, so it only counts as lost if it was already here at the previous one.
 */
export class DriftDetector {
  #previousLocal: StateVector | null = null;
  #localChangedSincePrevious = true;

  /** Forget history; call when a (re)sync completes. */
  reset(): void {
    this.#previousLocal = null;
    // A local delete sent just before the sync may still be in flight.
    this.#localChangedSincePrevious = true;
  }

  /** Call after every local transaction. */
  noteLocalChange(): void {
    this.#localChangedSincePrevious = true;
  }

  check(doc: Y.Doc, serverSV: StateVector, serverChecksum: string): DriftReason | null {
    const local = localStateVector(doc);
    const previous = this.#previousLocal;
    const changed = this.#localChangedSincePrevious;
    this.#previousLocal = local;
    this.#localChangedSincePrevious = false;

    for (const [client, clock] of serverSV) {
      if (clockOf(local, client) < clock) return 'missing-inbound';
    }
    if (previous) {
      for (const [client, clock] of previous) {
        if (clock > clockOf(serverSV, client)) return 'missing-outbound';
      }
    }
    // Delete sets are only visible through the checksum. A local delete made
    // since the previous checksum may not have reached the server yet, so the
    // comparison waits for a quiet period.
    if (!changed && stateVectorsEqual(local, serverSV) && docChecksum(doc) !== serverChecksum) {
      return 'checksum-mismatch';
    }
    return null;
  }
}
