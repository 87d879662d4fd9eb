import type * as Y from 'yjs';
import type { DocSync } from './doc-sync.ts';
import type { DocPersistence } from './persistence.ts';

/**
 * A write refusal as the server words it (docs/security.md, [W15]):
 * `[W5] set /actors/a1/hp/value: server only (rule-bound: changed through intents)`,
 * or `update not applied: …` when it could not even tell which path.
 */
export interface WriteDenial {
  readonly reason: string;
  /** The rule that refused it (`W5`); null when the update could not be judged. */
  readonly ruleId: string | null;
  /** `set`, `unset`, `append`, `insert` or `remove`. */
  readonly op: string | null;
  /** The first path the update may not write. */
  readonly path: string | null;
}

const DENIAL = /^\[(W\d+)\] (\w+) (.*?): /;

export function parseWriteDenial(reason: string): WriteDenial {
  const m = DENIAL.exec(reason);
  return m === null ? { reason, ruleId: null, op: null, path: null } : { reason, ruleId: m[1]!, op: m[2]!, path: m[3]! };
}

export interface RecoveryOptions {
  /** Local storage for the fresh doc, under the same name as before. */
  readonly createPersistence: (doc: Y.Doc) => DocPersistence;
  /** Runs with the fresh doc and its storage before it connects: whatever else reads the doc moves over. */
  readonly replaced: (doc: Y.Doc, persistence: DocPersistence, denial: WriteDenial) => void;
  readonly onError: (error: unknown) => void;
}

/**
 * How a client heals after the server refused one of its updates. The
 * refused operations stay in the local doc — Yjs cannot take an operation
 * back — so the doc now disagrees with everyone else's for good, and since a
 * client's clocks must be contiguous, the server refuses every later edit
 * from it too ([W18]). The only way back is a new doc: the socket closes, the
 * doc's local storage is deleted, and a fresh Y.Doc syncs from the server
 * (`DocSync.rebuild`). Unsent local edits of that doc are lost with it; the
 * intents queue is not (it lives in the event log client, which moves over).
 * Every refusal arriving while a rebuild runs belongs to the old doc.
 * Returns the unsubscribe function.
 */
export function recoverFromWriteDenials(sync: DocSync, options: RecoveryOptions): () => void {
  let rebuilding = false;
  return sync.events.on('write-denied', ({ reason }) => {
    if (rebuilding) return;
    rebuilding = true;
    const denial = parseWriteDenial(reason);
    // Synchronous up to the socket's close: the resync the server sends after its refusal must
    // not reach the old doc, whose answer would only be refused again.
    sync
      .rebuild(options.createPersistence, (doc, persistence) => options.replaced(doc, persistence, denial))
      .catch(options.onError)
      .finally(() => {
        rebuilding = false;
      });
  });
}
