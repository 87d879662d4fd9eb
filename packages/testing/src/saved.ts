/**
 * `saved` ([P6] in docs/protocol.md) at a stock y-websocket client: with the
 * sidecar query parameter the server sends the socket the state vectors its
 * store made durable; this records them, merged (the maximum clock per
 * client), so a test can tell which of a client's updates the server
 * promised to keep.
 */
import { MessageType, PROTOCOL_VERSION, SIDECAR_QUERY_PARAM } from '@dungeon-lab/protocol';
import * as decoding from 'lib0/decoding';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

/** Query parameters that make a stock y-websocket client a sidecar socket. */
export const SIDECAR_PARAMS: Readonly<Record<string, string>> = { [SIDECAR_QUERY_PARAM]: String(PROTOCOL_VERSION) };

/**
 * Installs handlers for the sidecar messages on `provider` (made with
 * SIDECAR_PARAMS) and answers the merged durable state vector it keeps up to
 * date. `onSaved` sees each `saved` as it arrives (delete sets are ignored:
 * callers that delete keep their own account).
 */
export function recordSaved(provider: WebsocketProvider, onSaved?: (stateVector: Map<number, number>) => void): Map<number, number> {
  const saved = new Map<number, number>();
  provider.messageHandlers[MessageType.Saved] = (_encoder, decoder) => {
    const sv = Y.decodeStateVector(decoding.readVarUint8Array(decoder));
    decoding.readVarUint8Array(decoder);
    for (const [client, clock] of sv) {
      if (clock > (saved.get(client) ?? 0)) saved.set(client, clock);
    }
    onSaved?.(sv);
  };
  // Drift checksums are the SessionClient's business; a stock provider only must not choke on them.
  provider.messageHandlers[MessageType.Checksum] = () => {};
  return saved;
}

/** True when the durable state vector covers everything `doc` holds. */
export function allSaved(doc: Y.Doc, saved: ReadonlyMap<number, number>): boolean {
  for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(doc))) {
    if ((saved.get(client) ?? 0) < clock) return false;
  }
  return true;
}
