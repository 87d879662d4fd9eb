import { readFileSync } from 'node:fs';

/** A process's RSS by what backs it, from /proc/<pid>/status (kB). */
export function rssParts(pid: number): { rssAnonKb: number; rssFileKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (match === null) throw new Error(`/proc/${pid}/status has no ${name}`);
    return Number(match[1]);
  };
  return { rssAnonKb: field('RssAnon'), rssFileKb: field('RssFile') };
}

/** One mapping of /proc/<pid>/smaps: its address range, permissions, path (empty when anonymous) and the fields read here (kB). */
export interface Mapping {
  readonly start: bigint;
  readonly end: bigint;
  readonly perms: string;
  readonly path: string;
  readonly rssKb: number;
  readonly anonymousKb: number;
}

export function parseSmaps(text: string): Mapping[] {
  const mappings: Mapping[] = [];
  let current: { -readonly [K in keyof Mapping]: Mapping[K] } | undefined;
  for (const line of text.split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header !== null) {
      current = { start: BigInt(`0x${header[1]}`), end: BigInt(`0x${header[2]}`), perms: header[3]!, path: header[4]!, rssKb: 0, anonymousKb: 0 };
      mappings.push(current);
      continue;
    }
    const field = /^(Rss|Anonymous):\s+(\d+) kB$/.exec(line);
    if (field !== null && current !== undefined) {
      if (field[1] === 'Rss') current.rssKb = Number(field[2]);
      else current.anonymousKb = Number(field[2]);
    }
  }
  return mappings;
}

export function readSmaps(pid: number): Mapping[] {
  return parseSmaps(readFileSync(`/proc/${pid}/smaps`, 'utf8'));
}

/** Files whose path passes `keep` that the process has mapped now. */
export function mappedFiles(mappings: readonly Mapping[], keep: (path: string) => boolean): number {
  return new Set(mappings.filter((m) => m.path !== '' && keep(m.path)).map((m) => m.path)).size;
}

/**
 * glibc's arenas (its heaps for threads other than the main one) are each a
 * reservation of this size at an address aligned to it, made readable only
 * as far as the arena has grown (malloc/arena.c, HEAP_MAX_SIZE on 64-bit).
 */
const ARENA_BYTES = 64n * 1024n * 1024n;

/** A process's anonymous RSS by who allocated it (kB). */
export interface AnonymousParts {
  /** glibc's main heap, grown by brk: small allocations of the main thread. */
  readonly brkKb: number;
  /** glibc's arenas: small allocations of every other thread (LevelDB's, libuv's pool, V8's helpers). */
  readonly arenaKb: number;
  /**
   * Every other anonymous mapping: V8's heap pages, allocations glibc serves
   * by mmap of their own (128 KB and up, as its threshold adapts), stacks.
   */
  readonly mappedKb: number;
}

export function anonymousParts(mappings: readonly Mapping[]): AnonymousParts {
  let brkKb = 0;
  let arenaKb = 0;
  let mappedKb = 0;
  mappings.forEach((m, i) => {
    if (m.anonymousKb === 0) return;
    if (m.path === '[heap]') brkKb += m.anonymousKb;
    else if (m.path === '' && isArena(m, mappings[i + 1])) arenaKb += m.anonymousKb;
    else if (m.path === '' || m.path.startsWith('[stack')) mappedKb += m.anonymousKb;
  });
  return { brkKb, arenaKb, mappedKb };
}

/** An arena: starts on its alignment, and the rest of its reservation (if any) follows, inaccessible. */
function isArena(m: Mapping, next: Mapping | undefined): boolean {
  if (m.start % ARENA_BYTES !== 0n || m.perms !== 'rw-p') return false;
  const reservationEnd = m.start + ARENA_BYTES;
  if (m.end === reservationEnd) return true;
  return next !== undefined && next.start === m.end && next.end === reservationEnd && next.perms === '---p' && next.path === '';
}
