import { describe, expect, it } from 'vitest';
import { anonymousParts, mappedFiles, parseSmaps, readSmaps, rssParts } from './proc-memory.ts';

/** A mapping as /proc/<pid>/smaps prints it, with the two fields read. */
const mapping = (range: string, perms: string, path: string, rssKb: number, anonymousKb: number): string =>
  `${range} ${perms} 00000000 00:00 0          ${path}\nSize:               4 kB\nRss:             ${rssKb} kB\nAnonymous:       ${anonymousKb} kB\nVmFlags: rd wr mr mw me ac\n`;

describe('the RSS of a process by who holds it (/proc)', () => {
  it('parses smaps and splits its anonymous pages into glibc\'s main heap, its arenas and the other mappings', () => {
    const smaps = [
      mapping('55d0c0000000-55d0c0001000', 'r--p', '/usr/bin/node', 4, 0),
      // A library's data written to: anonymous pages in a file's mapping, counted nowhere here.
      mapping('55d0c0100000-55d0c0101000', 'rw-p', '/usr/lib/x86_64-linux-gnu/libc.so.6', 4, 4),
      mapping('55d0c1000000-55d0c2000000', 'rw-p', '[heap]', 15_000, 15_000),
      // An arena grown to 8 MB of its 64 MB reservation (aligned to 64 MB), the rest inaccessible.
      mapping('7f2a40000000-7f2a40800000', 'rw-p', '', 6_000, 6_000),
      mapping('7f2a40800000-7f2a44000000', '---p', '', 0, 0),
      // An arena grown to all of its reservation.
      mapping('7f2a48000000-7f2a4c000000', 'rw-p', '', 1_000, 1_000),
      // Aligned to 64 MB, but not followed by the rest of a reservation: V8 page or glibc's own mmap.
      mapping('7f2a50000000-7f2a50040000', 'rw-p', '', 256, 256),
      mapping('7f2a50100000-7f2a50140000', 'rw-p', '', 200, 200),
      mapping('7ffd10000000-7ffd10021000', 'rw-p', '[stack]', 100, 100),
      mapping('7f2a60000000-7f2a60200000', 'r--s', '/data/store/000123.ldb', 1_800, 0),
      mapping('7f2a60200000-7f2a60400000', 'r--s', '/data/store/000123.ldb', 100, 0),
    ].join('');
    const mappings = parseSmaps(smaps);
    expect(mappings).toHaveLength(11);
    expect(mappings[2]).toMatchObject({ start: 0x55d0c1000000n, end: 0x55d0c2000000n, perms: 'rw-p', path: '[heap]', rssKb: 15_000, anonymousKb: 15_000 });
    expect(anonymousParts(mappings)).toEqual({ brkKb: 15_000, arenaKb: 7_000, mappedKb: 556 });
    expect(mappedFiles(mappings, (path) => path.endsWith('.ldb'))).toBe(1);
    expect(mappedFiles(mappings, (path) => path.startsWith('/usr/'))).toBe(2);
  });

  it('on this process: the parts sum to no more than its anonymous RSS, and 64 MB allocated natively shows in the other mappings', () => {
    const before = anonymousParts(readSmaps(process.pid));
    const parts = rssParts(process.pid);
    expect(before.brkKb + before.arenaKb + before.mappedKb).toBeLessThanOrEqual(parts.rssAnonKb + 1_024);
    expect(before.brkKb).toBeGreaterThan(0);
    // Far past glibc's mmap threshold (at most 32 MB): a mapping of its own, touched so that it is resident.
    const big = Buffer.allocUnsafeSlow(64 * 1024 * 1024).fill(7);
    const after = anonymousParts(readSmaps(process.pid));
    expect(after.mappedKb - before.mappedKb).toBeGreaterThan(60 * 1024);
    expect(after.brkKb - before.brkKb).toBeLessThan(4 * 1024);
    expect(big[big.length - 1]).toBe(7);
  });
});
