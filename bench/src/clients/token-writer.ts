import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { REMOTE } from './load-client.ts';
import type { SendLog } from './send-log.ts';

export const TOKENS_MAP = 'tokens';

/**
 * A player dragging one token: every move sets x, y, the send time t (epoch
 * ms, so that a receiver can read its latency straight from the document) and
 * a sequence number on the token's Y.Map. Each writer owns its token, so moves
 * never conflict and a receiver can tell exactly which moves reached it. The
 * token is keyed by the writer's Yjs client id and carries it (`c`): a room
 * visited again holds the tokens of earlier writers with the same log index
 * (`w`), which must neither take the key nor count as this writer's moves.
 */
export class TokenWriter {
  readonly doc = new Y.Doc();
  readonly id: number;
  /** The token's key in the tokens map. */
  readonly key: string;
  private readonly token = new Y.Map<unknown>();
  private lastUpdate: Uint8Array | undefined;
  private seq = 0;
  /** This writer's Yjs clock after each move, to match echoes to moves. */
  private readonly clockAfter: number[] = [0];

  constructor(private readonly log: SendLog) {
    this.id = log.addWriter(this.doc.clientID);
    this.key = `token-${this.doc.clientID}`;
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== REMOTE) this.lastUpdate = update;
    });
    this.doc.transact(() => {
      this.doc.getMap(TOKENS_MAP).set(this.key, this.token);
      this.token.set('w', this.id);
      this.token.set('c', this.doc.clientID);
      this.token.set('name', `Token ${this.id}`);
      this.token.set('x', 0);
      this.token.set('y', 0);
      this.token.set('t', 0);
      this.token.set('seq', 0);
    });
    this.clockAfter[0] = this.clock();
  }

  private clock(): number {
    return Y.getState(this.doc.store, this.doc.clientID);
  }

  /** The token as created, to be sent once after joining. */
  creation(): Uint8Array {
    return Y.encodeStateAsUpdate(this.doc);
  }

  get moves(): number {
    return this.seq;
  }

  /** Makes one move and returns its update. */
  move(): Uint8Array {
    const seq = ++this.seq;
    const now = performance.now();
    this.doc.transact(() => {
      this.token.set('x', (seq * 37) % 2000);
      this.token.set('y', (seq * 53) % 2000);
      this.token.set('t', performance.timeOrigin + now);
      this.token.set('seq', seq);
    });
    this.log.record(this.id, seq, now);
    this.clockAfter[seq] = this.clock();
    const update = this.lastUpdate!;
    this.lastUpdate = undefined;
    return update;
  }

  /** The highest move contained in an update the server sent back (0 if none of ours). */
  movesIn(update: Uint8Array): number {
    return this.movesBelow(Y.parseUpdateMeta(update).to.get(this.doc.clientID));
  }

  /** The highest move whose operations all lie below this writer's clock in `stateVector`. */
  movesCoveredBy(stateVector: Uint8Array): number {
    return this.movesBelow(Y.decodeStateVector(stateVector).get(this.doc.clientID));
  }

  private movesBelow(reached: number | undefined): number {
    if (reached === undefined) return 0;
    // Binary search: clockAfter grows with seq.
    let lo = 0;
    let hi = this.seq;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.clockAfter[mid] ?? Infinity) <= reached) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** The move a document holds for `writer`'s token (0 if the token is absent). */
export function seqInDoc(doc: Y.Doc, writer: TokenWriter): number {
  const token = doc.getMap(TOKENS_MAP).get(writer.key);
  return token instanceof Y.Map ? ((token.get('seq') as number | undefined) ?? 0) : 0;
}
