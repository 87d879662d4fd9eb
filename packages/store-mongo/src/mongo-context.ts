/**
 * What each part of the MongoDB store runs its calls through: the client and
 * collections, refused once the store is closed ([S12], [S27]), with driver
 * errors turned into the store's ([MO5]).
 */
import type { MongoClient } from 'mongodb';
import { type Collections, storeError } from './mongo-db.ts';

export interface MongoHandles {
  readonly client: MongoClient;
  readonly c: Collections;
}

export class MongoContext {
  readonly #handles: MongoHandles;
  readonly #describe: string;
  #closed = false;

  constructor(handles: MongoHandles, describe: string) {
    this.#handles = handles;
    this.#describe = describe;
  }

  /** Runs one call of the store: rejects at once when closed, and with the store's error types when the driver fails. */
  async run<T>(call: (handles: MongoHandles) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error(`mongo store: ${this.#describe} is closed`);
    try {
      return await call(this.#handles);
    } catch (err) {
      throw storeError(err);
    }
  }

  close(): void {
    this.#closed = true;
  }
}
