import type { LogEntry } from '@dungeon-lab/events';
import type { EventLogStore } from '@dungeon-lab/store';
import type { Logger } from '../logger.ts';
import type { Telemetry } from '../metrics/telemetry.ts';
import { decodeLogEntry } from './log-codec.ts';
import type { SessionDoc } from './session-doc.ts';

const PAGE = 100;

export interface RecoveryOptions {
  readonly sessionId: string;
  readonly store: EventLogStore;
  readonly logger: Logger;
  readonly telemetry: Pick<Telemetry, 'driftIncident'>;
  readonly doc: SessionDoc;
  /** Which of the session's documents, for the logs. */
  readonly label: 'table' | 'GM';
  /** The log's last sequence. */
  readonly last: number;
  /** Writes what the document lacks of a logged entry; true when that changed the document. */
  readonly replay: (entry: LogEntry) => boolean;
  /**
   * Records how far recovery looked, for a document whose own sequence moves
   * only with the entries that touch it (the GM doc, [EL18]): its next load
   * then starts from there.
   */
  readonly recordChecked: boolean;
}

/**
 * Replays into a session document, before anyone syncs with it, the logged
 * entries after its own `/meta/sequence` — a crash between the log append
 * and the document write ([EL9], [EL18]). An entry that no longer applies is
 * logged and skipped. Resolves with how many entries changed the document.
 */
export async function recoverDoc(opts: RecoveryOptions): Promise<number> {
  const { sessionId, store, logger, doc, label, last } = opts;
  let checked = doc.appliedSequence();
  let replayed = 0;
  while (checked < last) {
    const page = await store.readEvents(sessionId, checked + 1, PAGE);
    if (page.length === 0) break;
    for (const stored of page) {
      const entry = decodeLogEntry(stored.data);
      try {
        if (opts.replay(entry)) replayed++;
      } catch (err) {
        logger.error({ sessionId, sequence: entry.event.sequence, err: String(err) }, `logged event no longer applies to the ${label} doc`);
      }
      checked = entry.event.sequence;
    }
  }
  if (opts.recordChecked) doc.markChecked(checked, 'recovery');
  if (replayed > 0) {
    // The document and its log disagreed: one incident, however many entries it took to mend.
    opts.telemetry.driftIncident('log-replay');
    logger.warn({ sessionId, replayed }, `recovered event effects missing from the ${label} doc`);
  }
  return replayed;
}
