import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store, StoredRow } from '@dungeon-lab/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CRASH_ASSET_SESSIONS,
  CRASH_DOCS,
  CRASH_LEASE_DOCS,
  CRASH_LOGS,
  type CrashEventLine,
  type CrashWriterLine,
} from './crash-writer.fixture.ts';
import { createLevelStore, DataDirLockedError } from './level-store.ts';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE = join(here, 'crash-writer.fixture.ts');
/** Acknowledged calls of each kind (document appends, event appends) before the kill. */
const ACKS_BEFORE_KILL = 300;
/** Acknowledged client-id leases before the kill (one document's leases share a batch, so they come slower). */
const LEASE_ACKS_BEFORE_KILL = 100;
/** Acknowledged asset puts before the kill (megabytes each). */
const ASSET_ACKS_BEFORE_KILL = 20;

const base64 = (data: Uint8Array | undefined): string => Buffer.from(data ?? []).toString('base64');

interface Run {
  readonly intents: Map<number, { doc: string; data: string[] }>;
  readonly acks: Map<number, string[]>;
  readonly eventIntents: Map<number, { log: string; events: CrashEventLine[] }>;
  readonly eventAcks: Set<number>;
  readonly leaseIntents: Map<number, { doc: string; owner: string }>;
  readonly leaseAcks: Map<number, number>;
  readonly assetIntents: Map<number, { session: string; hash: string; size: number }>;
  readonly assetAcks: Set<number>;
  readonly signal: NodeJS.Signals | null;
  readonly lockedError: unknown;
}

/** Runs the writer until it has acknowledged enough appends, checks the lock from outside, then kill -9s it. */
function runAndKill(dataDir: string, sync: boolean): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dataDir, String(sync)], {
    cwd: here,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    const intents = new Map<number, { doc: string; data: string[] }>();
    const acks = new Map<number, string[]>();
    const eventIntents = new Map<number, { log: string; events: CrashEventLine[] }>();
    const eventAcks = new Set<number>();
    const leaseIntents = new Map<number, { doc: string; owner: string }>();
    const leaseAcks = new Map<number, number>();
    const assetIntents = new Map<number, { session: string; hash: string; size: number }>();
    const assetAcks = new Set<number>();
    const enough = (): boolean =>
      acks.size >= ACKS_BEFORE_KILL &&
      eventAcks.size >= ACKS_BEFORE_KILL &&
      leaseAcks.size >= LEASE_ACKS_BEFORE_KILL &&
      assetAcks.size >= ASSET_ACKS_BEFORE_KILL;
    let stdout = '';
    let stderr = '';
    let lockCheck: Promise<unknown> | undefined;
    let lockChecked = false;
    // Only kill once the lock check is over: after the kill the lock is free and the check would prove nothing.
    const killWhenDone = (): void => {
      if (lockChecked && enough() && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    // If the test times out, the writer must not outlive it.
    const guard = setTimeout(() => child.kill('SIGKILL'), 25_000);

    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const lines = stdout.split('\n');
      stdout = lines.pop() ?? '';
      for (const text of lines) {
        const line = JSON.parse(text) as CrashWriterLine;
        if ('intent' in line) intents.set(line.intent, { doc: line.doc, data: line.data });
        else if ('ack' in line) acks.set(line.ack, line.ids);
        else if ('eventIntent' in line) eventIntents.set(line.eventIntent, { log: line.log, events: line.events });
        else if ('eventAck' in line) eventAcks.add(line.eventAck);
        else if ('leaseIntent' in line) leaseIntents.set(line.leaseIntent, { doc: line.doc, owner: line.owner });
        else if ('leaseAck' in line) leaseAcks.set(line.leaseAck, line.id);
        else if ('assetIntent' in line) assetIntents.set(line.assetIntent, { session: line.session, hash: line.hash, size: line.size });
        else assetAcks.add(line.assetAck);
      }
      if (lockCheck === undefined && acks.size > 0) {
        lockCheck = createLevelStore({ dataDir }).then(
          async (store) => {
            await store.close();
            return new Error('opened a dataDir another process holds');
          },
          (err: unknown) => err,
        );
        void lockCheck.finally(() => {
          lockChecked = true;
          killWhenDone();
        });
      }
      killWhenDone();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL' || !enough()) {
        reject(new Error(`writer exited before the kill (signal ${signal}): ${stderr}`));
        return;
      }
      // A partial last line is a report the kill cut off; it promised nothing.
      void (lockCheck ?? Promise.resolve(new Error('no ack before the kill'))).then((lockedError) =>
        resolve({ intents, acks, eventIntents, eventAcks, leaseIntents, leaseAcks, assetIntents, assetAcks, signal, lockedError }),
      );
    });
  });
}

for (const sync of [true, false]) {
  describe(`level store under kill -9 (sync: ${sync})`, () => {
    let dataDir: string;
    let run: Run;
    let store: Store;

    // One writer process and one kill serve every check below.
    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'dl-store-level-crash-'));
      run = await runAndKill(dataDir, sync);
      store = await createLevelStore({ dataDir });
    }, 30_000);

    afterAll(async () => {
      await store?.close();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('[L3] while the writer lived, its directory was locked against this process', () => {
      expect(run.signal).toBe('SIGKILL');
      expect(run.lockedError).toBeInstanceOf(DataDirLockedError);
    });

    it('[S13][S5] every acknowledged update is intact; every update in flight is whole or absent', async () => {
      const byId = new Map<string, Map<string, StoredRow>>();
      const byData = new Map<string, Set<string>>();
      let stored = 0;
      for (const doc of CRASH_DOCS) {
        const rows = (await store.loadDoc(doc)).rows;
        stored += rows.length;
        byId.set(doc, new Map(rows.map((r) => [r.id, r])));
        byData.set(doc, new Set(rows.map((r) => base64(r.data))));
      }

      // [S13] every acknowledged row is there, byte-exact, under the id it was acknowledged with.
      expect(run.acks.size).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);
      for (const [call, ids] of run.acks) {
        const intent = run.intents.get(call);
        expect(intent, `intent of call ${call}`).toBeDefined();
        ids.forEach((id, i) => {
          const row = byId.get(intent?.doc ?? '')?.get(id);
          expect(row, `acknowledged row ${id} of call ${call}`).toBeDefined();
          expect(row?.kind).toBe('update');
          expect(base64(row?.data)).toBe(intent?.data[i]);
        });
      }

      // [S5] every call in flight at the kill is whole or absent, and nothing else was stored.
      let accounted = 0;
      for (const [call, intent] of run.intents) {
        const present = intent.data.filter((d) => byData.get(intent.doc)?.has(d)).length;
        if (run.acks.has(call)) expect(present).toBe(intent.data.length);
        else expect([0, intent.data.length], `rows of unacknowledged call ${call}`).toContain(present);
        accounted += present;
      }
      expect(accounted).toBe(stored);
    });

    it('[S28][S17][L6] every acknowledged event batch is intact; every batch in flight whole or absent', async () => {
      expect(run.eventAcks.size).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);
      let inFlight = 0;
      for (const log of CRASH_LOGS) {
        const stored = await store.readEvents(log, 1, Number.MAX_SAFE_INTEGER);
        const bySequence = new Map(stored.map((e) => [e.sequence, e]));
        const isStored = (e: CrashEventLine): boolean => {
          const found = bySequence.get(e.sequence);
          return found !== undefined && found.id === e.id && base64(found.data) === e.data;
        };

        let accounted = 0;
        for (const [call, intent] of run.eventIntents) {
          if (intent.log !== log) continue;
          const present = intent.events.filter(isStored).length;
          if (run.eventAcks.has(call)) {
            // [S28] acknowledged: every entry, byte-exact, under its sequence.
            expect(present, `entries of acknowledged batch ${call}`).toBe(intent.events.length);
          } else {
            // [S17] in flight at the kill: all or nothing.
            expect([0, intent.events.length], `entries of unacknowledged batch ${call}`).toContain(present);
            inFlight++;
          }
          // The id index is part of the same batch: a surviving entry is found by its id.
          for (const e of present > 0 ? intent.events : []) {
            const found = await store.eventById(log, e.id);
            expect(found?.sequence, `eventById of ${e.id}, batch ${call}`).toBe(e.sequence);
          }
          accounted += present;
        }
        // Nothing was stored that no batch carried, and no entry of another log leaked in.
        expect(accounted, `entries of ${log}`).toBe(stored.length);
        // [L6] batches of one log are written in call order, so what survives is a gap-free prefix.
        expect(stored.map((e) => e.sequence)).toEqual(stored.map((_, i) => i + 1));
        expect(await store.lastSequence(log)).toBe(stored.length);
      }
      // Three event writers run at once, so the kill always finds some batch unacknowledged.
      expect(inFlight).toBeGreaterThan(0);
    });

    it('[CI2][LC1] every acknowledged lease keeps its owner and is never handed out again; what survives is a gap-free prefix', async () => {
      expect(run.leaseAcks.size).toBeGreaterThanOrEqual(LEASE_ACKS_BEFORE_KILL);
      for (const doc of CRASH_LEASE_DOCS) {
        const intents = [...run.leaseIntents].filter(([, intent]) => intent.doc === doc);
        const callOfOwner = new Map(intents.map(([call, intent]) => [intent.owner, call]));
        const acked = new Map<number, string>();
        for (const [call, intent] of intents) {
          const id = run.leaseAcks.get(call);
          if (id === undefined) continue;
          expect(acked.has(id), `id ${id} of ${doc} acknowledged twice`).toBe(false);
          acked.set(id, intent.owner);
        }
        const highestAcked = Math.max(...acked.keys());

        // [CI2] every acknowledged lease is there, with its owner.
        for (const [id, owner] of acked) expect(await store.clientIdOwner(doc, id), `owner of ${id} in ${doc}`).toBe(owner);

        // [LC1] one document's batches are written one after another, so what survives is ids 1..K with no gap,
        // each owned by a distinct call that asked for a lease of this document.
        let survived = 0;
        const owners = new Set<string>();
        for (;;) {
          const owner = await store.clientIdOwner(doc, survived + 1);
          if (owner === null) break;
          expect(callOfOwner.has(owner), `owner ${JSON.stringify(owner)} of ${survived + 1} in ${doc}`).toBe(true);
          expect(owners.has(owner), `owner ${JSON.stringify(owner)} holds two ids of ${doc}`).toBe(false);
          owners.add(owner);
          survived++;
        }
        expect(survived).toBeGreaterThanOrEqual(highestAcked);
        for (let id = survived + 1; id <= highestAcked + 100; id++) {
          expect(await store.clientIdOwner(doc, id), `id ${id} of ${doc} after the gap-free prefix`).toBeNull();
        }

        // [CI2] the counter was in the same batches: the next lease is the first id nothing survived with.
        expect(await store.leaseClientId(doc, 'after the crash')).toBe(survived + 1);
      }
    });

    it('[AS8][LAS1] every acknowledged asset is whole; every asset in flight at the kill is whole or absent, never a part', async () => {
      expect(run.assetAcks.size).toBeGreaterThanOrEqual(ASSET_ACKS_BEFORE_KILL);
      let inFlight = 0;
      for (const [call, intent] of run.assetIntents) {
        const found = await store.getAsset(intent.session, intent.hash);
        if (run.assetAcks.has(call)) expect(found, `acknowledged asset ${call}`).not.toBeNull();
        else inFlight++;
        if (found === null) continue;
        // The hash names the bytes: a match is the whole asset, byte for byte.
        expect(found.size, `size of asset ${call}`).toBe(intent.size);
        expect(createHash('sha256').update(found.data).digest('hex'), `bytes of asset ${call}`).toBe(intent.hash);
      }
      // Two asset writers are always between a report and an ack, so the kill finds one in flight.
      expect(inFlight).toBeGreaterThan(0);
      for (const session of CRASH_ASSET_SESSIONS) {
        const present = new Map<string, number>();
        for (const intent of run.assetIntents.values()) {
          if (intent.session === session && (await store.assetInfo(session, intent.hash)) !== null) present.set(intent.hash, intent.size);
        }
        // Nothing is referenced that no put of this session carried.
        expect(await store.sessionAssetBytes(session), `total of ${session}`).toBe([...present.values()].reduce((a, b) => a + b, 0));
      }
    });
  });
}
