import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '@dungeon-lab/store';
import type { ConformanceTarget } from '@dungeon-lab/store/conformance';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach } from 'vitest';
import { createLevelStore } from './level-store.ts';

type Suite = (backendName: string, createTarget: () => Promise<ConformanceTarget<Store>>) => void;

/** Runs a conformance suite on the LevelDB store, fsync on and off, each target in its own temp dir. */
export function runOnLevel(suite: Suite, prefix: string): void {
  for (const sync of [true, false]) {
    suite(`level (sync: ${sync})`, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), prefix));
      return {
        open: () => createLevelStore({ dataDir, sync }),
        cleanup: () => rm(dataDir, { recursive: true, force: true }),
      };
    });
  }
}

export const hex = (data: Uint8Array): string => Buffer.from(data).toString('hex');
export const text = (s: string): string => Buffer.from(s).toString('hex');

/**
 * A fresh data dir per test (registers beforeEach/afterEach in the calling
 * describe): `open()` opens a store on it, `raw(edit)` closes every store and
 * edits the bare LevelDB, for tests of the on-disk layout.
 */
export function levelTestDir(prefix: string): {
  open(): Promise<Store>;
  raw(edit: (db: ClassicLevel<Uint8Array, Uint8Array>) => Promise<void>): Promise<void>;
} {
  let dataDir = '';
  const opened: Store[] = [];
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return {
    async open() {
      const store = await createLevelStore({ dataDir, sync: false });
      opened.push(store);
      return store;
    },
    async raw(edit) {
      for (const store of opened.splice(0)) await store.close();
      const db = new ClassicLevel<Uint8Array, Uint8Array>(dataDir, { keyEncoding: 'view', valueEncoding: 'view' });
      try {
        await edit(db);
      } finally {
        await db.close();
      }
    },
  };
}
