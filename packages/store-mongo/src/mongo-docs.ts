/**
 * Documents on MongoDB ([S1]..[S12], [MO2]): one BSON document per part of a
 * row in `doc_rows`, `{ doc, row, part, parts, kind, data }`, unique on
 * `(doc, row, part)`. A row id is a fresh ObjectId in hex: unique across
 * processes without a round trip, roughly in write order, and — through the
 * unique index — never stored twice. Rows are insert-only; compaction is
 * `writeSnapshot` (one more insert) then `deleteRows` of exactly the ids it
 * merged ([S4]).
 */
import type { DocStore, Fence, RowId, StoredDoc, StoredRow } from '@dungeon-lab/store';
import { checkBytes, checkFence, checkName, checkUpdates } from '@dungeon-lab/store/input';
import { ObjectId } from 'mongodb';
import type { MongoContext } from './mongo-context.ts';
import { binary, bytesOf, inTransaction, insertAll, ONE_SNAPSHOT, PART_BYTES, type RowDoc, unreadable } from './mongo-db.ts';

export class MongoDocs implements Omit<DocStore, 'ping' | 'close'> {
  readonly #ctx: MongoContext;

  constructor(ctx: MongoContext) {
    this.#ctx = ctx;
  }

  loadDoc(docName: string): Promise<StoredDoc> {
    return this.#ctx.run(async ({ c }) => {
      const doc = checkName(docName, 'document name');
      const parts = await c.rows.find({ doc }, { readConcern: ONE_SNAPSHOT }).sort({ row: 1, part: 1 }).toArray();
      return { rows: assembleRows(doc, parts) };
    });
  }

  appendUpdates(docName: string, updates: readonly Uint8Array[], fenceInput?: Fence): Promise<RowId[]> {
    return this.#ctx.run(async ({ client, c }) => {
      const doc = checkName(docName, 'document name');
      const rows = checkUpdates(updates).map((data) => rowParts(doc, 'update', data));
      const fence = checkFence(fenceInput);
      // One call is one transaction, so a reader or a restart sees all of its rows or none ([S5]).
      await insertAll(client, c.rows, rows.flatMap((r) => r.parts), fence && { fences: c.fences, fence });
      return rows.map((r) => r.id);
    });
  }

  writeSnapshot(docName: string, snapshot: Uint8Array, fenceInput?: Fence): Promise<RowId> {
    return this.#ctx.run(async ({ client, c }) => {
      const row = rowParts(checkName(docName, 'document name'), 'snapshot', checkBytes(snapshot, 'snapshot'));
      const fence = checkFence(fenceInput);
      await insertAll(client, c.rows, row.parts, fence && { fences: c.fences, fence });
      return row.id;
    });
  }

  deleteRows(docName: string, ids: readonly RowId[]): Promise<void> {
    return this.#ctx.run(async ({ client, c }) => {
      const doc = checkName(docName, 'document name');
      if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) throw new TypeError('row ids must be strings');
      if (ids.length === 0) return;
      // Exactly these ids, never a range ([S4]). A row of one part is one BSON document, gone atomically;
      // the parts of a larger row go in one transaction, so no load sees half a row ([MO2]).
      const row = { $in: [...ids] };
      await c.rows.deleteMany({ doc, row, parts: 1 });
      if ((await c.rows.findOne({ doc, row, parts: { $gt: 1 } }, { projection: { _id: 1 } })) === null) return;
      await inTransaction(client, (session) => c.rows.deleteMany({ doc, row }, { session }));
    });
  }
}

/** A row as the BSON documents it is stored in: parts of at most PART_BYTES, at least one. */
function rowParts(doc: string, kind: StoredRow['kind'], data: Uint8Array): { id: RowId; parts: RowDoc[] } {
  const id = new ObjectId().toHexString();
  const count = Math.max(1, Math.ceil(data.byteLength / PART_BYTES));
  const parts = Array.from({ length: count }, (_, part): RowDoc => ({
    doc,
    row: id,
    part,
    parts: count,
    kind,
    data: binary(data.subarray(part * PART_BYTES, (part + 1) * PART_BYTES)),
  }));
  return { id, parts };
}

/**
 * Rows from their parts, read in (row, part) order. Parts of a row are
 * written and deleted in one transaction, so a row with a part missing, or
 * parts that disagree, is damage: the load rejects rather than hand out a
 * partial document ([S2]).
 */
function assembleRows(doc: string, parts: readonly RowDoc[]): StoredRow[] {
  const rows: StoredRow[] = [];
  for (let at = 0; at < parts.length; ) {
    const first = parts[at] as RowDoc;
    const what = `row ${JSON.stringify(first.row)} of document ${JSON.stringify(doc)}`;
    const mine = parts.slice(at, at + first.parts);
    const whole =
      Number.isSafeInteger(first.parts) &&
      first.parts >= 1 &&
      mine.length === first.parts &&
      mine.every((p, i) => p.row === first.row && p.part === i && p.parts === first.parts && p.kind === first.kind);
    if (!whole || (first.kind !== 'update' && first.kind !== 'snapshot')) throw unreadable(what);
    const data = mine.length === 1 ? bytesOf(first.data, what) : new Uint8Array(Buffer.concat(mine.map((p) => bytesOf(p.data, what))));
    rows.push({ id: first.row, kind: first.kind, data });
    at += first.parts;
  }
  return rows;
}
