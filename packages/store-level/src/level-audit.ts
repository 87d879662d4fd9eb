/**
 * The audit half of the LevelDB store ([AU1]..[AU8], [LA1] in
 * docs/storage.md). Appends are single batches of fresh keys — a position
 * (time, open epoch, counter) is never handed out twice — so they need no
 * queue: nothing is checked before writing, and concurrent appends cannot
 * collide.
 */
import type { AuditQuery, AuditRecordInput, AuditStore, StoredAuditRecord } from '@dungeon-lab/store';
import { checkAuditQuery as checkQuery, checkAuditRecord as checkRecord } from '@dungeon-lab/store/input';
import type { ClassicLevel } from 'classic-level';
import type { GroupCommit } from './group-commit.ts';
import { auditIdOf, auditKey, auditPrefix, auditRange, type AuditPosition, positionOfId, positionOfKey } from './audit-key-layout.ts';

type Db = ClassicLevel<Uint8Array, Uint8Array>;

const MAX_COUNTER = 0xffff_ffff;

export class LevelAudit implements AuditStore {
  readonly #db: Db;
  readonly #writes: GroupCommit;
  readonly #assertOpen: () => void;
  readonly #epoch: number;
  #counter = 0;

  constructor(db: Db, writes: GroupCommit, assertOpen: () => void, epoch: number) {
    this.#db = db;
    this.#writes = writes;
    this.#assertOpen = assertOpen;
    this.#epoch = epoch;
  }

  async appendAudit(log: string, records: readonly AuditRecordInput[]): Promise<string[]> {
    this.#assertOpen();
    const prefix = auditPrefix(log);
    // Check everything before taking a position or writing, so a bad record leaves no trace ([AU7]).
    const checked = records.map(checkRecord);
    if (checked.length === 0) return [];
    const positions = checked.map((r): AuditPosition => ({ at: r.at, epoch: this.#epoch, counter: this.#nextCounter() }));
    await this.#writes.write(
      checked.map((r, i) => ({ type: 'put' as const, key: auditKey(prefix, positions[i]!), value: r.data })),
    );
    return positions.map(auditIdOf);
  }

  async readAudit(log: string, query: AuditQuery): Promise<StoredAuditRecord[]> {
    this.#assertOpen();
    const prefix = auditPrefix(log);
    const { limit, before } = checkQuery(query);
    if (limit === 0) return [];
    const below = before === undefined ? undefined : typeof before === 'number' ? { at: before, epoch: 0, counter: 0 } : positionOfId(before);
    const entries = await this.#db.iterator({ ...auditRange(prefix, below), reverse: true, limit }).all();
    return entries.map(([key, value]) => {
      const position = positionOfKey(prefix, key);
      return { id: auditIdOf(position), at: position.at, data: value };
    });
  }

  #nextCounter(): number {
    if (this.#counter >= MAX_COUNTER) throw new Error('level store: audit counter exhausted for this open; reopen the store');
    return ++this.#counter;
  }
}
