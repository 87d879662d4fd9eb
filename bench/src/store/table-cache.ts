// The embedded store's table cache ([L10] in docs/storage.md): what LevelDB's
// open-files limit costs a room load and what it holds mapped, on a store
// several times larger than the cache, against LevelDB's own default in the
// same run.
//
//   npx tsx bench/src/store/table-cache.ts [--rooms 30000] [--loads 20000] [--docs]
//
// The store is the soak's (bench/src/workloads/store-prefill.ts): earlier
// rooms of 40 KB, named by ids of one length. Each setting opens it afresh in
// this process and loads, in turns, an earlier room (a returning table) and a
// room never written (a new table's first load); a load is `loadDoc`, the
// store's part of a room's first join. Its file-backed RSS (/proc/self/status)
// and the table files it has mapped (/proc/self/smaps) are read as it goes.
// --docs rewrites the store section of docs/benchmarks.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLevelStore, DEFAULT_MAX_OPEN_FILES } from '@dungeon-lab/store-level';
import { mappedFiles, readSmaps, rssParts } from '../host/proc-memory.ts';
import { summarize } from '../report/stats.ts';
import { prefillStore, roomId } from '../workloads/store-prefill.ts';
import { type StoreBenchResults, writeStoreSection, renderStoreSection } from './store-report.ts';

/** LevelDB's own default: the reference. */
const LEVELDB_DEFAULT = 1_000;

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

const rssFileKb = (): number => rssParts(process.pid).rssFileKb;

const mappedTables = (dataDir: string): number => mappedFiles(readSmaps(process.pid), (path) => path.startsWith(dataDir) && path.endsWith('.ldb'));

/** A fixed sequence of room numbers, the same for every setting. */
function* draws(count: number, rooms: number): Generator<number> {
  let state = 0x9e3779b9;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    yield state % rooms;
  }
}

async function measure(dataDir: string, maxOpenFiles: number, rooms: number, loads: number): Promise<StoreBenchResults['settings'][number]> {
  const store = await createLevelStore({ dataDir, maxOpenFiles });
  try {
    const before = rssFileKb();
    const returning: number[] = [];
    const fresh: number[] = [];
    let mostMapped = 0;
    let i = 0;
    for (const n of draws(loads, rooms)) {
      const isNew = i % 2 === 1;
      const started = performance.now();
      const doc = await store.loadDoc(roomId(isNew ? `never-written-${i}` : `earlier-${n}`));
      (isNew ? fresh : returning).push((performance.now() - started) * 1000);
      if (doc.rows.length !== (isNew ? 0 : 1)) throw new Error(`room ${n} loaded ${doc.rows.length} rows`);
      if (++i % 500 === 0) mostMapped = Math.max(mostMapped, mappedTables(dataDir));
    }
    const r = summarize(Float64Array.from(returning));
    const f = summarize(Float64Array.from(fresh));
    return {
      maxOpenFiles,
      returningUs: { p50: r.p50, p99: r.p99 },
      newUs: { p50: f.p50, p99: f.p99 },
      rssFileGrowthMb: (rssFileKb() - before) / 1024,
      mostMappedTables: mostMapped,
    };
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const rooms = argValue('--rooms', 30_000);
  const loads = argValue('--loads', 20_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'dl-bench-table-cache-'));
  try {
    const startedAt = new Date().toISOString();
    const prefill = await prefillStore(dataDir, { rooms, roomBytes: 40 * 1024 });
    console.log(`store: ${rooms} rooms, ${prefill.tables} tables, ${Math.round(prefill.bytesOnDisk / 1e6)} MB (${(prefill.ms / 1000).toFixed(0)} s)`);
    const settings = [];
    for (const maxOpenFiles of [LEVELDB_DEFAULT, DEFAULT_MAX_OPEN_FILES]) {
      const setting = await measure(dataDir, maxOpenFiles, rooms, loads);
      console.log(JSON.stringify(setting));
      settings.push(setting);
    }
    const results: StoreBenchResults = {
      meta: { startedAt, node: process.version, command: `npx tsx bench/src/store/table-cache.ts --rooms ${rooms} --loads ${loads}` },
      store: { rooms, tables: prefill.tables, megabytes: prefill.bytesOnDisk / 1e6 },
      loads,
      settings,
    };
    console.log(renderStoreSection(results));
    if (process.argv.includes('--docs')) writeStoreSection(results);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
