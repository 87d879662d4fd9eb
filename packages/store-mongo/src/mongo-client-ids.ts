/**
 * Client-id leases on MongoDB ([CI1]..[CI5], [MO1]): a counter per document
 * in `client_id_counters` (`{ _id: doc, last }`, advanced by one atomic
 * `$inc`, so two processes never get one id) and the owners in `client_ids`
 * (`{ doc, id, owner }`, unique on `(doc, id)`). The counter is written
 * before the owner: a crash between the two leaves a gap, never a reuse
 * ([CI2]).
 */
import type { ClientIdStore } from '@dungeon-lab/store';
import { checkName, leasableClientId } from '@dungeon-lab/store/input';
import type { MongoContext } from './mongo-context.ts';
import { unreadable } from './mongo-db.ts';

export class MongoClientIds implements ClientIdStore {
  readonly #ctx: MongoContext;

  constructor(ctx: MongoContext) {
    this.#ctx = ctx;
  }

  leaseClientId(docName: string, owner: string): Promise<number> {
    return this.#ctx.run(async ({ c }) => {
      const doc = checkName(docName, 'document name');
      const checkedOwner = checkName(owner, 'client id owner');
      const counter = await c.clientIdCounters.findOneAndUpdate({ _id: doc }, { $inc: { last: 1 } }, { upsert: true, returnDocument: 'after' });
      const id = counter?.last;
      // Counting on from anything else would hand out ids in use.
      if (id === undefined || !Number.isSafeInteger(id) || id < 1) throw unreadable(`the client id counter of ${JSON.stringify(doc)}`);
      await c.clientIds.insertOne({ doc, id, owner: checkedOwner });
      return id;
    });
  }

  clientIdOwner(docName: string, clientId: number): Promise<string | null> {
    return this.#ctx.run(async ({ c }) => {
      const doc = checkName(docName, 'document name');
      const id = leasableClientId(clientId);
      if (id === null) return null;
      const found = await c.clientIds.findOne({ doc, id });
      if (found !== null && typeof found.owner !== 'string') throw unreadable(`the owner of client id ${id} of ${JSON.stringify(doc)}`);
      return found?.owner ?? null;
    });
  }
}
