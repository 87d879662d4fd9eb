/**
 * What one process's copy of a room is, told to the other processes holding
 * it ([OR4] in docs/architecture.md): its state vector and the checksum of
 * its state vector and deletions ([P7]'s, the one clients get).
 */
export interface Digest {
  readonly stateVector: ReadonlyMap<number, number>;
  readonly checksum: string;
}

/** What a peer's digest showed: this room holds operations (or deletions) the peer still lacked a round ago. */
export interface Comparison {
  /** Send the peer what it lacks: it was already missing it a full round ago, longer than a bus delivery takes. */
  readonly repair: boolean;
  /** The two copies differ now, either way: keep telling the peers this room's digest until they agree. */
  readonly differs: boolean;
}

interface PeerView {
  /** When the digest came (ms). */
  readonly at: number;
  /** Per client, this room's clock then, where the peer's was behind it. */
  readonly ahead: ReadonlyMap<number, number>;
  /** Same state vectors, different checksums: the deletions differed. */
  readonly deletionsDiffered: boolean;
}

/**
 * Compares the digests peer processes publish with this room's own copy
 * ([OR4]). A bus message lost for good (an XADD that never reached Redis, a
 * stream trimmed under a stalled reader) leaves one process's copy behind
 * the others' while the room stays loaded, and nothing else would ever make
 * it up: its members never hear those changes. Two processes that differ
 * only by updates still in flight agree a moment later, so a difference
 * counts only when it outlasts a round: the peer still lacks, in a digest
 * at least `roundMs` after the first, something this room already held when
 * the first came. Then this room sends it what it lacks (a Yjs update twice
 * merges away, so several processes sending it costs bytes, never state).
 */
export class AntiEntropy {
  private readonly views = new Map<string, PeerView>();
  private readonly roundMs: number;

  constructor(roundMs: number) {
    this.roundMs = roundMs;
  }

  compare(peer: string, theirs: Digest, ours: Digest, now: number): Comparison {
    const ahead = new Map<number, number>();
    for (const [client, clock] of ours.stateVector) {
      if (clock > (theirs.stateVector.get(client) ?? 0)) ahead.set(client, clock);
    }
    let behind = false;
    for (const [client, clock] of theirs.stateVector) {
      if (clock > (ours.stateVector.get(client) ?? 0)) behind = true;
    }
    // Deletions leave no trace in a state vector: where the vectors agree, the checksums tell.
    const deletionsDiffer = ahead.size === 0 && !behind && theirs.checksum !== ours.checksum;
    const before = this.views.get(peer);
    const roundPassed = before === undefined || now - before.at >= this.roundMs;
    let repair = false;
    if (before !== undefined && roundPassed) {
      for (const [client, clock] of before.ahead) {
        if ((theirs.stateVector.get(client) ?? 0) < clock) repair = true;
      }
      if (before.deletionsDiffered && deletionsDiffer) repair = true;
    }
    // A burst of digests (a replay after a load) is one view: the first, so the next live one is a round later.
    if (roundPassed) this.views.set(peer, { at: now, ahead, deletionsDiffered: deletionsDiffer });
    return { repair, differs: ahead.size > 0 || behind || deletionsDiffer };
  }
}
