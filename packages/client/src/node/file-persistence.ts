import { mkdir, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { PERSISTENCE_ORIGIN, type DocPersistence, type DocPersistenceFactory } from '../persistence.ts';
import { RecordKind, decodeRecords, encodeRecord } from './append-log.ts';

export interface FileDocPersistenceOptions {
  /** Rewrite the log as one snapshot once this many bytes were appended to it. */
  readonly compactAfterBytes?: number;
}

function encodeMeta(key: string, value: string): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, key);
  encoding.writeVarString(encoder, value);
  return encoding.toUint8Array(encoder);
}

function decodeMeta(payload: Uint8Array): [string, string] {
  const decoder = decoding.createDecoder(payload);
  return [decoding.readVarString(decoder), decoding.readVarString(decoder)];
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes a rename durable on Linux; not every platform lets a directory be opened.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* best effort */
  }
}

/**
 * Node persistence: an append-only log file per document, fdatasync'd before
 * a write counts as done. Updates and metadata share the log, so their order
 * on disk is the order they happened in. Writes queued while one is in flight
 * go out together under a single sync (group commit).
 *
 * One process at a time per file: two persistences over the same path would
 * interleave appends and compactions.
 */
export class FileDocPersistence implements DocPersistence {
  readonly #path: string;
  readonly #doc: Y.Doc;
  readonly #compactAfterBytes: number;
  readonly #meta = new Map<string, string>();
  readonly #ready: Promise<Uint8Array[]>;
  #handle: FileHandle | null = null;
  #queue: Uint8Array[] = [];
  #waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  #draining = false;
  #appendedBytes = 0;
  #loaded = false;
  #destroyed = false;
  #failure: unknown = null;

  constructor(path: string, doc: Y.Doc, options: FileDocPersistenceOptions = {}) {
    this.#path = path;
    this.#doc = doc;
    this.#compactAfterBytes = options.compactAfterBytes ?? 4 * 1024 * 1024;
    doc.on('update', this.#onUpdate);
    this.#ready = this.#recover();
    // Surfaced through load()/flush(); keep an unobserved failure from crashing the process.
    this.#ready.catch(() => {});
  }

  /** Reads the log, cuts off a torn tail, and opens it for appending. */
  async #recover(): Promise<Uint8Array[]> {
    await mkdir(dirname(this.#path), { recursive: true });
    let bytes: Uint8Array;
    try {
      bytes = await readFile(this.#path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      bytes = new Uint8Array(0);
    }
    const { records, validBytes } = decodeRecords(bytes);
    const handle = await open(this.#path, 'a');
    if (validBytes < bytes.length) {
      await handle.truncate(validBytes);
      await handle.sync();
    }
    this.#handle = handle;
    this.#appendedBytes = validBytes;
    const updates: Uint8Array[] = [];
    for (const record of records) {
      if (record.kind === RecordKind.Update) updates.push(record.payload);
      else {
        const [key, value] = decodeMeta(record.payload);
        this.#meta.set(key, value);
      }
    }
    return updates;
  }

  readonly #onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === PERSISTENCE_ORIGIN || this.#destroyed) return;
    void this.#append(encodeRecord(RecordKind.Update, update)).catch(() => {
      // Reported by the next flush(); an edit must not throw into the app.
    });
  };

  async load(): Promise<void> {
    const updates = await this.#ready;
    if (updates.length > 0 && !this.#destroyed) {
      Y.applyUpdate(this.#doc, Y.mergeUpdates(updates), PERSISTENCE_ORIGIN);
    }
    this.#loaded = true;
  }

  async getMeta(key: string): Promise<string | undefined> {
    await this.#ready;
    return this.#meta.get(key);
  }

  async setMeta(key: string, value: string): Promise<void> {
    if (this.#destroyed) return;
    this.#meta.set(key, value);
    await this.#append(encodeRecord(RecordKind.Meta, encodeMeta(key, value)));
  }

  async flush(): Promise<void> {
    if (this.#failure) throw this.#failure;
    await this.#append(null);
  }

  /** Queues a record (or nothing, to wait for what is queued) and resolves once it is synced. */
  #append(record: Uint8Array | null): Promise<void> {
    if (record) this.#queue.push(record);
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (!this.#draining) void this.#drain();
    return done;
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      await this.#ready;
      while (this.#waiters.length > 0) {
        const records = this.#queue;
        const waiters = this.#waiters;
        this.#queue = [];
        this.#waiters = [];
        try {
          if (records.length > 0) await this.#write(records);
          if (this.#loaded && this.#appendedBytes >= this.#compactAfterBytes) await this.#compact();
          waiters.forEach((w) => w.resolve());
        } catch (err) {
          this.#failure = err;
          waiters.forEach((w) => w.reject(err));
        }
      }
    } catch (err) {
      this.#failure = err;
      const waiters = this.#waiters;
      this.#waiters = [];
      waiters.forEach((w) => w.reject(err));
    } finally {
      this.#draining = false;
    }
  }

  async #write(records: Uint8Array[]): Promise<void> {
    const handle = this.#handle;
    if (!handle) throw new Error('log is closed');
    const bytes = Buffer.concat(records);
    await handle.write(bytes);
    await handle.datasync();
    this.#appendedBytes += bytes.length;
  }

  /**
   * Replaces the log with one snapshot plus the metadata. The new file is
   * synced before it replaces the old one, so a crash leaves one or the other.
   */
  async #compact(): Promise<void> {
    const tmpPath = `${this.#path}.tmp`;
    const records = [encodeRecord(RecordKind.Update, Y.encodeStateAsUpdate(this.#doc))];
    for (const [key, value] of this.#meta) records.push(encodeRecord(RecordKind.Meta, encodeMeta(key, value)));
    const bytes = Buffer.concat(records);
    const tmp = await open(tmpPath, 'w');
    try {
      await tmp.write(bytes);
      await tmp.sync();
    } finally {
      await tmp.close();
    }
    await this.#handle?.close();
    this.#handle = null;
    await rename(tmpPath, this.#path);
    await syncDirectory(dirname(this.#path));
    this.#handle = await open(this.#path, 'a');
    this.#appendedBytes = bytes.length;
  }

  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#doc.off('update', this.#onUpdate);
    try {
      await this.#append(null);
    } finally {
      await this.#ready.catch(() => {});
      await this.#handle?.close();
      this.#handle = null;
    }
  }

  async clearData(): Promise<void> {
    await this.destroy().catch(() => {});
    await rm(this.#path, { force: true });
  }
}

/** File name of a document's log: the name, escaped to one path segment. */
export function logFileName(name: string): string {
  return `${encodeURIComponent(name)}.ylog`;
}

/** Persistence in `dir`, one log file per document. */
export function filePersistence(options: { dir: string } & FileDocPersistenceOptions): DocPersistenceFactory {
  return (name, doc) => new FileDocPersistence(join(options.dir, logFileName(name)), doc, options);
}
