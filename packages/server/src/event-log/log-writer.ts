import type { JsonPatchOp, LogAudience, LogEntry, StateEvent } from '@dungeon-lab/events';
import { DuplicateEventError, type EventLogStore, type Fence, FencedError } from '@dungeon-lab/store';
import { LogUnavailableError } from './acks.ts';
import type { Telemetry } from '../metrics/telemetry.ts';
import type { HotLog } from './hot-log.ts';
import { encodeLogEntry } from './log-codec.ts';

/** A log entry with the optional parts present only when they say something (stored compactly, filtered cheaply). */
export function entryOf(event: StateEvent, status: LogEntry['status'], patch: JsonPatchOp[], gmPatch: JsonPatchOp[] | undefined, audience: LogAudience): LogEntry {
  return {
    event,
    status,
    patch,
    ...(gmPatch !== undefined && gmPatch.length > 0 ? { gmPatch } : {}),
    ...(audience === 'gm' ? { audience } : {}),
  };
}

export interface LogWriterOptions {
  readonly sessionId: string;
  readonly store: EventLogStore;
  readonly hot: HotLog;
  readonly telemetry: Pick<Telemetry, 'eventLogAppended'>;
  /** The sequencer's claim on the log: every write goes under it ([EL24]). */
  readonly fence: Fence;
  /** The store refused a write under the fence: another process claimed the session. */
  readonly onFenced: () => void;
}

/**
 * The only code that writes a session's event log: appends entries in
 * sequence ([EL4]) and changes the status of logged ones, keeping the hot
 * log ([EL10]) in step with the store.
 */
export class LogWriter {
  readonly #opts: LogWriterOptions;
  #lastSequence: number | null = null;

  constructor(opts: LogWriterOptions) {
    this.#opts = opts;
  }

  /** Highest sequence in the log. */
  async latest(): Promise<number> {
    if (this.#lastSequence === null) this.#lastSequence = await this.#opts.store.lastSequence(this.#opts.sessionId);
    return this.#lastSequence;
  }

  /** Reads the log's end from the store again (on recovery). */
  async reload(): Promise<number> {
    this.#lastSequence = null;
    return this.latest();
  }

  /** Logs an entry durably under the next sequence, then advances it. */
  async append(entry: LogEntry): Promise<void> {
    const { sessionId, store, hot, telemetry } = this.#opts;
    const data = encodeLogEntry(entry);
    try {
      await store.appendEvents(sessionId, [{ sequence: entry.event.sequence, id: entry.event.id, data }], this.#opts.fence);
    } catch (err) {
      if (err instanceof FencedError) this.#opts.onFenced();
      if (err instanceof DuplicateEventError) {
        // Someone else advanced the log (another process, or state we had not read); re-read and let the client retry.
        this.#lastSequence = null;
      }
      throw new LogUnavailableError(`event log write failed: ${String(err)}`);
    }
    this.#lastSequence = entry.event.sequence;
    telemetry.eventLogAppended('entry', data.byteLength);
    hot.push(entry);
  }

  /** Stores a logged entry's new status (rejected after logging, approved, denied). */
  async replace(entry: LogEntry): Promise<void> {
    const { sessionId, store, hot, fence, onFenced } = this.#opts;
    try {
      await store.replaceEvent(sessionId, { sequence: entry.event.sequence, id: entry.event.id, data: encodeLogEntry(entry) }, fence);
    } catch (err) {
      if (err instanceof FencedError) onFenced();
      throw err;
    }
    hot.update(entry);
  }
}
