import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StoredRow } from '@dungeon-lab/store';
import { afterEach, describe, expect, it } from 'vitest';
import type { CrashWriterLine } from './crash-writer.fixture.ts';
import { createLevelStore, DataDirLockedError } from './level-store.ts';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE = join(here, 'crash-writer.fixture.ts');
const ACKS_BEFORE_KILL = 300;

const base64 = (data: Uint8Array | undefined): string => Buffer.from(data ?? []).toString('base64');

interface Run {
  readonly intents: Map<number, { doc: string; data: string[] }>;
  readonly acks: Map<number, string[]>;
  readonly signal: NodeJS.Signals | null;
  readonly lockedError: unknown;
}

/** Runs the writer until it has acknowledged enough appends, checks the lock from outside, then kill -9s it. */
function runAndKill(child: ChildProcess, dataDir: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const intents = new Map<number, { doc: string; data: string[] }>();
    const acks = new Map<number, string[]>();
    let stdout = '';
    let stderr = '';
    let lockCheck: Promise<unknown> | undefined;
    let lockChecked = false;
    // Only kill once the lock check is over: after the kill the lock is free and the check would prove nothing.
    const killWhenDone = (): void => {
      if (lockChecked && acks.size >= ACKS_BEFORE_KILL && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
    };

    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const lines = stdout.split('\n');
      stdout = lines.pop() ?? '';
      for (const text of lines) {
        const line = JSON.parse(text) as CrashWriterLine;
        if ('intent' in line) intents.set(line.intent, { doc: line.doc, data: line.data });
        else acks.set(line.ack, line.ids);
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
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      if (signal !== 'SIGKILL') {
        reject(new Error(`writer exited before the kill (signal ${signal}): ${stderr}`));
        return;
      }
      // A partial last line is a report the kill cut off; it promised nothing.
      void (lockCheck ?? Promise.resolve(new Error('no ack before the kill'))).then((lockedError) =>
        resolve({ intents, acks, signal, lockedError }),
      );
    });
  });
}

describe('level store under kill -9', () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];

  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  for (const sync of [true, false]) {
    it(`[S13][S5][L3] survives kill -9 with every acknowledged update intact (sync: ${sync})`, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'dl-store-level-crash-'));
      dirs.push(dataDir);
      const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dataDir, String(sync)], {
        cwd: here,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);

      const run = await runAndKill(child, dataDir);
      expect(run.signal).toBe('SIGKILL');
      expect(run.acks.size).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);
      // [L3] while the writer lived, its directory was locked against this process.
      expect(run.lockedError).toBeInstanceOf(DataDirLockedError);

      const store = await createLevelStore({ dataDir });
      try {
        const byId = new Map<string, Map<string, StoredRow>>();
        const byData = new Map<string, Set<string>>();
        let stored = 0;
        for (const doc of ['room', 'sessions/x/table']) {
          const rows = (await store.loadDoc(doc)).rows;
          stored += rows.length;
          byId.set(doc, new Map(rows.map((r) => [r.id, r])));
          byData.set(doc, new Set(rows.map((r) => base64(r.data))));
        }

        // [S13] every acknowledged row is there, byte-exact, under the id it was acknowledged with.
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
      } finally {
        await store.close();
      }
    }, 30_000);
  }
});
