/**
 * When each writer sent each of its moves (performance.now()), shared by all
 * clients of the load generator. Receivers use it for the moves they never see
 * on their own: when a server merges several moves of one token into one
 * broadcast, only the last is observable, yet every one of them was delivered.
 */
export class SendLog {
  private readonly times: Float64Array[] = [];
  private readonly counts: number[] = [];
  private readonly clients: number[] = [];

  /** Registers a writer by its Yjs client id; answers its index. */
  addWriter(client: number): number {
    this.times.push(new Float64Array(1024));
    this.counts.push(0);
    this.clients.push(client);
    return this.times.length - 1;
  }

  /** The Yjs client id of writer `w`: its token carries it. */
  clientOf(w: number): number | undefined {
    return this.clients[w];
  }

  get writers(): number {
    return this.times.length;
  }

  /** Records move `seq` (1, 2, …) of `writer`. */
  record(writer: number, seq: number, at: number): void {
    let times = this.times[writer]!;
    if (seq >= times.length) {
      const grown = new Float64Array(Math.max(seq + 1, times.length * 2));
      grown.set(times);
      this.times[writer] = grown;
      times = grown;
    }
    times[seq] = at;
    this.counts[writer] = seq;
  }

  sentAt(writer: number, seq: number): number {
    return this.times[writer]?.[seq] ?? Number.NaN;
  }

  /** Moves sent so far by `writer`, which is also its latest seq. */
  sent(writer: number): number {
    return this.counts[writer] ?? 0;
  }
}
