import * as idb from 'lib0/indexeddb';

/**
 * The names of the IndexedDB databases this origin's clients created, kept in
 * a database of its own: `indexedDB.databases()`, which would list them, is
 * missing in some browsers, and `clearLocalData` must find every database of
 * a user ([EQ24]). Entries are names only (keys of one object store).
 */
const REGISTRY_DB = 'dungeon-lab:databases';
const STORE = 'databases';

async function withRegistry<T>(access: 'readonly' | 'readwrite', run: (store: IDBObjectStore) => Promise<T>): Promise<T> {
  const db = await idb.openDB(REGISTRY_DB, (created) => idb.createStores(created, [[STORE]]));
  try {
    const [store] = idb.transact(db, [STORE], access);
    return await run(store!);
  } finally {
    // Running requests finish first; an open connection would only hold up others' upgrades.
    db.close();
  }
}

export function registerDatabase(name: string): Promise<void> {
  return withRegistry('readwrite', async (store) => {
    await idb.put(store, true, name);
  });
}

/** Every registered name that starts with `prefix`: one key range, other names are not read. */
export function registeredDatabases(prefix: string): Promise<string[]> {
  return withRegistry('readonly', async (store) => (await idb.getAllKeys(store, prefixRange(prefix))) as string[]);
}

export function forgetDatabases(names: readonly string[]): Promise<void> {
  return withRegistry('readwrite', async (store) => {
    await Promise.all(names.map((name) => idb.del(store, name)));
  });
}

/** Exactly the strings that start with `prefix`: from it up to (not including) the prefix with its last code unit raised by one. */
function prefixRange(prefix: string): IDBKeyRange {
  if (prefix.length === 0) throw new RangeError('an empty prefix would be every name');
  const upper = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  return idb.createIDBKeyRangeBound(prefix, upper, false, true);
}
