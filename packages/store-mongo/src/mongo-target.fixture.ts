/**
 * Conformance targets on a MongoDB-wire server: each test gets a database of
 * its own, and every `open()` is a new store with its own client on that
 * database — a restart, or another process.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '@dungeon-lab/store';
import type { ConformanceTarget } from '@dungeon-lab/store/conformance';
import { MongoClient } from 'mongodb';
import { createMongoStore } from './mongo-store.ts';

export interface MongoServer {
  /** Read when a test starts, so a server started in `beforeAll` can be named before it is up. */
  url(): string;
  /** Whether the server can drop a database (jongodb cannot: its data goes with its process). */
  readonly drops: boolean;
}

export function mongoTarget(server: MongoServer): () => Promise<ConformanceTarget<Store>> {
  return async () => {
    const url = server.url();
    const dbName = `dl-test-${randomUUID().slice(0, 13)}`;
    return {
      open: () => createMongoStore({ url, dbName }),
      cleanup: async () => {
        if (!server.drops) return;
        const client = new MongoClient(url);
        try {
          await client.db(dbName).dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  };
}
