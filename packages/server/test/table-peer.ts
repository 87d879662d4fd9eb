/**
 * A table-room socket for write-rule tests: it keeps a mirror of the server's
 * document (every sync message the server sends it is applied), records the
 * `auth` denials it gets, and sends updates a test builds by hand. Each edit
 * is made in a fresh Y.Doc that starts from the mirror, so every update has a
 * client id of its own and a refused one never leaves a gap behind it.
 */
import { PROTOCOL_VERSION, SIDECAR_QUERY_PARAM, decodeMessage, encodeMessage, type ProtocolMessage } from '@dungeon-lab/protocol';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { waitFor } from './helpers.ts';
import { ensureMember, testToken } from './test-identity.ts';

export interface TablePeer {
  readonly user: string;
  /** The document as this socket was told it is. */
  readonly mirror: Y.Doc;
  /** Reasons of the `auth` (permission denied) messages received, in order. */
  readonly denials: string[];
  /** Every message received, in order. */
  readonly received: ProtocolMessage[];
  /** Makes `fn`'s changes in one transaction on a copy of the mirror; returns the update, unsent. */
  build(fn: (doc: Y.Doc) => void): Uint8Array;
  send(update: Uint8Array, kind?: 'sync-update' | 'sync-step2'): void;
  /** Sends and waits for the verdict: the update echoed back (applied) or an `auth` denial. */
  attempt(update: Uint8Array, kind?: 'sync-update' | 'sync-step2'): Promise<'applied' | 'denied'>;
  /** `build` + `attempt`. */
  edit(fn: (doc: Y.Doc) => void): Promise<'applied' | 'denied'>;
  /** Whether the mirror holds every operation and deletion of `update`. */
  sees(update: Uint8Array): boolean;
  close(): Promise<void>;
}

export async function openTablePeer(wsUrl: string, sessionId: string, user: string, { sidecar = false } = {}): Promise<TablePeer> {
  await ensureMember(wsUrl, sessionId, user);
  const params = new URLSearchParams({ token: testToken(user) });
  if (sidecar) params.set(SIDECAR_QUERY_PARAM, String(PROTOCOL_VERSION));
  const ws = new WebSocket(`${wsUrl}/sessions/${sessionId}/table?${params}`);
  // Deletions must stay visible to `sees`, which compares delete sets.
  const mirror = new Y.Doc({ gc: false });
  const denials: string[] = [];
  const received: ProtocolMessage[] = [];
  let synced = false;
  ws.on('message', (data: Buffer) => {
    const msg = decodeMessage(new Uint8Array(data));
    received.push(msg);
    if (msg.type === 'sync-step2' || msg.type === 'sync-update') {
      Y.applyUpdate(mirror, msg.update);
      if (msg.type === 'sync-step2') synced = true;
    }
    if (msg.type === 'auth-denied') denials.push(msg.reason);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
  ws.send(encodeMessage({ type: 'sync-step1', stateVector: Y.encodeStateVector(mirror) }));
  await waitFor(() => synced, 10_000, `sync of ${user}`);

  const sees = (update: Uint8Array) => Y.snapshotContainsUpdate(Y.snapshot(mirror), update);
  const build = (fn: (doc: Y.Doc) => void) => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(mirror));
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    doc.transact(() => fn(doc));
    if (updates.length !== 1) throw new Error(`the edit made ${updates.length} updates`);
    return updates[0]!;
  };
  const send = (update: Uint8Array, kind: 'sync-update' | 'sync-step2' = 'sync-update') =>
    ws.send(encodeMessage(kind === 'sync-update' ? { type: 'sync-update', update } : { type: 'sync-step2', update }));
  const attempt = async (update: Uint8Array, kind: 'sync-update' | 'sync-step2' = 'sync-update') => {
    const before = denials.length;
    send(update, kind);
    await waitFor(() => denials.length > before || sees(update), 10_000, `verdict on an update of ${user}`);
    return denials.length > before ? ('denied' as const) : ('applied' as const);
  };
  return {
    user,
    mirror,
    denials,
    received,
    build,
    send,
    attempt,
    edit: (fn) => attempt(build(fn)),
    sees,
    close: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
}
