import { randomUUID } from 'node:crypto';
import { type LogEntry, TABLE_DOC_SCHEMA, payloadChecksum, projectDoc } from '@dungeon-lab/events';
import type { EventLogStore } from '@dungeon-lab/store';
import { settlePendingStructs } from '@dungeon-lab/protocol';
import { toBase64 } from 'lib0/buffer';
import * as Y from 'yjs';
import { decodeAny, encodeAny } from './log-codec.ts';
import { restorePatch } from './restore-patch.ts';
import type { HolderAnswer, HolderRequest } from '../inbox/holder-inbox.ts';
import type { SessionSequencer } from './session-sequencer.ts';

export interface CheckpointInfo {
  readonly id: string;
  readonly name: string;
  /** The event sequence the table doc had reached. */
  readonly version: number;
  /** docChecksum of the table doc at that moment (same function as drift detection). */
  readonly checksum: string;
  /** Base64 Yjs state vector of the table doc. */
  readonly stateVector: string;
  readonly createdAt: number;
  readonly createdBy: string;
}

interface StoredCheckpoint extends CheckpointInfo {
  readonly snapshot: Uint8Array;
}

export class CheckpointNotFoundError extends Error {
  override readonly name = 'CheckpointNotFoundError';
}

const MAX_NAME = 200;

function info(c: StoredCheckpoint): CheckpointInfo {
  const { snapshot: _snapshot, ...rest } = c;
  return rest;
}

function decode(data: Uint8Array): StoredCheckpoint {
  const raw = decodeAny(data) as StoredCheckpoint;
  if (!(raw.snapshot instanceof Uint8Array)) throw new Error('stored checkpoint has no snapshot');
  return raw;
}

/**
 * Named snapshots of a session's table doc ([EL8]). Taking one and restoring
 * one both run through the session's sequencer, on whichever process holds
 * the session's lease ([EL19]), so a checkpoint's version is exact and a
 * restore is an ordinary new log entry — nothing is overwritten.
 */
export class Checkpoints {
  constructor(
    private readonly store: EventLogStore,
    /** Runs a request on the session's sequencer, here or on the process that holds it. */
    private readonly onHolder: <R extends HolderRequest>(request: R) => Promise<HolderAnswer<R>>,
  ) {}

  create(sessionId: string, name: string, userId: string): Promise<CheckpointInfo> {
    return this.onHolder({ kind: 'checkpoint-create', sessionId, userId, name });
  }

  async list(sessionId: string): Promise<CheckpointInfo[]> {
    const records = await this.store.listCheckpoints(sessionId);
    return records.map((r) => info(decode(r.data))).sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Makes the table doc's content equal the checkpoint's, as a new sequenced event. */
  async restore(sessionId: string, checkpointId: string, userId: string): Promise<LogEntry> {
    const entry = await this.onHolder({ kind: 'checkpoint-restore', sessionId, userId, checkpointId });
    if (entry === null) throw new CheckpointNotFoundError(`no checkpoint ${checkpointId}`);
    return entry;
  }
}

/** On the sequencing process: the table doc as it stands at the end of the log so far, stored. */
export function takeCheckpoint(store: EventLogStore, seq: SessionSequencer, name: string, userId: string): Promise<CheckpointInfo> {
  const clean = name.trim().slice(0, MAX_NAME) || 'checkpoint';
  return seq.run(async (table) => {
    const record: StoredCheckpoint = {
      id: randomUUID(),
      name: clean,
      version: table.appliedSequence(),
      checksum: table.checksum(),
      stateVector: toBase64(table.stateVector()),
      createdAt: Date.now(),
      createdBy: userId,
      snapshot: table.encodeState(),
    };
    await store.putCheckpoint(seq.sessionId, { id: record.id, data: encodeAny(record) });
    return info(record);
  });
}

/** On the sequencing process: the restore's log entry, or null when the session has no such checkpoint. */
export function restoreCheckpoint(store: EventLogStore, seq: SessionSequencer, checkpointId: string, userId: string): Promise<LogEntry | null> {
  const { sessionId } = seq;
  return seq.run(async (table) => {
    const stored = await store.checkpointById(sessionId, checkpointId);
    if (stored === null) return null;
    const checkpoint = decode(stored.data);
    const target = new Y.Doc();
    settlePendingStructs(target);
    Y.applyUpdate(target, checkpoint.snapshot);
    const patch = restorePatch(table.project(), projectDoc(target, TABLE_DOC_SCHEMA), TABLE_DOC_SCHEMA);
    target.destroy();
    const payload = { checkpointId, name: checkpoint.name, version: checkpoint.version };
    const sequence = (await seq.latest()) + 1;
    const entry: LogEntry = {
      event: {
        id: randomUUID(),
        sequence,
        timestamp: Date.now(),
        type: 'checkpoint:restore',
        payload,
        userId,
        sessionId,
        checksum: payloadChecksum(payload),
      },
      status: 'applied',
      patch,
    };
    return seq.commit(table, entry, { reason: 'restore' });
  });
}
