/**
 * Free edits of a session's documents the way a GM's client makes them: a
 * stock y-websocket provider on the room, waiting until the server has
 * stored the edit (the `saved` sidecar), and the JSON a GM would read back.
 */
import { type DocSchema, GM_DOC_SCHEMA, type JsonObject, type JsonPatchOp, TABLE_DOC_SCHEMA, applyPatchToDoc, projectDoc } from '@dungeon-lab/events';
import * as Y from 'yjs';
import { allSaved, connectProvider, synced, waitFor } from './helpers.ts';

type DocKind = 'table' | 'gm';

const SCHEMAS: Record<DocKind, DocSchema> = { table: TABLE_DOC_SCHEMA, gm: GM_DOC_SCHEMA };

/** Writes `patch` into the session's `table` or `gm` doc as a free edit by `user` and waits until the server stored it. */
export async function freeEdit(wsUrl: string, session: string, kind: DocKind, user: string, patch: JsonPatchOp[]): Promise<void> {
  const provider = connectProvider(wsUrl, `sessions/${session}/${kind}`, new Y.Doc(), { user, sidecar: true });
  try {
    await synced(provider);
    provider.doc.transact(() => applyPatchToDoc(provider.doc, SCHEMAS[kind], patch));
    await waitFor(() => allSaved(provider), 5_000, `${kind} edit stored`);
  } finally {
    provider.destroy();
  }
}

/** The doc's JSON as `user` syncs it. */
export async function readDoc(wsUrl: string, session: string, kind: DocKind, user: string): Promise<JsonObject> {
  const provider = connectProvider(wsUrl, `sessions/${session}/${kind}`, new Y.Doc(), { user });
  try {
    await synced(provider);
    return projectDoc(provider.doc, SCHEMAS[kind]);
  } finally {
    provider.destroy();
  }
}

/** `add` ops for entities under a map root, e.g. `adds('tokens', { t1: {...} })`. */
export function adds(root: string, entities: Record<string, JsonObject>): JsonPatchOp[] {
  return Object.entries(entities).map(([id, value]) => ({ op: 'add' as const, path: `/${root}/${id}`, value }));
}
