/**
 * A small seeded PRNG (mulberry32): fuzz cases replay from their seed, and
 * every benchmark target receives byte-identical documents. Not for anything
 * security-relevant — the server's dice use the OS CSPRNG.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
