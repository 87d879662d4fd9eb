/**
 * A set of positive integers stored as sorted, disjoint, non-adjacent closed
 * ranges. Sequences arrive almost in order, so the set stays a handful of
 * ranges however many sequences it holds.
 */
export class SequenceSet {
  /** [start, end] pairs, ascending; no two touch. */
  #ranges: Array<[number, number]> = [];

  get ranges(): ReadonlyArray<readonly [number, number]> {
    return this.#ranges;
  }

  /** Index of the first range whose end is >= n (the only one that can hold or absorb n). */
  #firstEndingAtOrAfter(n: number): number {
    let lo = 0;
    let hi = this.#ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#ranges[mid]![1] < n) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  has(n: number): boolean {
    const range = this.#ranges[this.#firstEndingAtOrAfter(n)];
    return range !== undefined && range[0] <= n;
  }

  /** Adds n; returns false if it was already there. */
  add(n: number): boolean {
    const i = this.#firstEndingAtOrAfter(n - 1);
    const at = this.#ranges[i];
    if (at !== undefined && at[0] <= n && n <= at[1]) return false;
    if (at !== undefined && at[1] === n - 1) {
      at[1] = n;
      const next = this.#ranges[i + 1];
      if (next !== undefined && next[0] === n + 1) {
        at[1] = next[1];
        this.#ranges.splice(i + 1, 1);
      }
    } else if (at !== undefined && at[0] === n + 1) {
      at[0] = n;
    } else {
      this.#ranges.splice(i, 0, [n, n]);
    }
    return true;
  }

  /** Adds every integer in [from, to]. */
  addRange(from: number, to: number): void {
    if (to < from) return;
    const i = this.#firstEndingAtOrAfter(from - 1);
    let start = from;
    let end = to;
    let remove = 0;
    while (i + remove < this.#ranges.length && this.#ranges[i + remove]![0] <= to + 1) {
      const r = this.#ranges[i + remove]!;
      start = Math.min(start, r[0]);
      end = Math.max(end, r[1]);
      remove++;
    }
    this.#ranges.splice(i, remove, [start, end]);
  }

  /** True when every integer in [from, to] is in the set (an empty interval is covered). */
  covers(from: number, to: number): boolean {
    if (to < from) return true;
    const range = this.#ranges[this.#firstEndingAtOrAfter(to)];
    return range !== undefined && range[0] <= from;
  }

  /** End of the range holding n, or n - 1 when n is absent: the set covers [n, result]. */
  contiguousFrom(n: number): number {
    const range = this.#ranges[this.#firstEndingAtOrAfter(n)];
    return range !== undefined && range[0] <= n ? range[1] : n - 1;
  }

  /** Largest member, or undefined when empty. */
  max(): number | undefined {
    return this.#ranges.at(-1)?.[1];
  }

  /** Forgets every member below n. */
  dropBelow(n: number): void {
    const i = this.#firstEndingAtOrAfter(n);
    this.#ranges.splice(0, i);
    const first = this.#ranges[0];
    if (first !== undefined && first[0] < n) first[0] = n;
  }

  clear(): void {
    this.#ranges = [];
  }
}
