import * as idb from 'lib0/indexeddb';
import { hasIndexedDb } from './indexeddb-persistence.ts';
import { forgetDatabases, registeredDatabases } from './indexeddb-registry.ts';

/** The default first segment of every local storage name. */
export const DEFAULT_STORAGE_PREFIX = 'dungeon-lab';

/**
 * Where one user's local storage names begin ([EQ24]): `<prefix>/<userId>/`,
 * the user id percent-encoded, so it holds no `/` and no user's names begin
 * with another user's.
 */
export function userStoragePrefix(userId: string, storagePrefix = DEFAULT_STORAGE_PREFIX): string {
  return `${storagePrefix}/${encodeURIComponent(userId)}/`;
}

/** The local storage name of one room's document for one user: `dungeon-lab/<userId>/sessions/<id>/<doc>`. */
export function docStorageName(userId: string, room: string, storagePrefix = DEFAULT_STORAGE_PREFIX): string {
  return userStoragePrefix(userId, storagePrefix) + room;
}

export interface ClearLocalDataOptions {
  /** The `storagePrefix` the user's clients were given (default `dungeon-lab`). */
  readonly storagePrefix?: string;
}

/**
 * Deletes every IndexedDB database of one user's clients — cached documents,
 * unconfirmed changes, queued intents — and no one else's ([EQ24]); an app
 * calls it on logout, after destroying that user's SessionClients (a
 * database still open elsewhere is deleted once that connection closes).
 * Finds them through `indexedDB.databases()` where the browser has it and
 * through the registry the client keeps of the databases it created.
 * Resolves with the names deleted; without IndexedDB there is nothing to
 * delete (memory storage ends with the page; file storage is the app's
 * directory).
 */
export async function clearLocalData(userId: string, options: ClearLocalDataOptions = {}): Promise<string[]> {
  if (!hasIndexedDb()) return [];
  const prefix = userStoragePrefix(userId, options.storagePrefix);
  const listed = typeof indexedDB.databases === 'function' ? await indexedDB.databases() : [];
  const names = new Set(await registeredDatabases(prefix));
  for (const { name } of listed) if (name?.startsWith(prefix)) names.add(name);
  const deleted = [...names].sort();
  await Promise.all(deleted.map((name) => idb.deleteDB(name)));
  await forgetDatabases(deleted);
  return deleted;
}
