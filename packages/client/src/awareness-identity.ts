import type { Awareness } from 'y-protocols/awareness';

/**
 * Moves this client's presence to another Yjs client id (a new document, or
 * a client id leased by the server): peers see the old entry removed and the
 * same state appear under the new id.
 */
export function moveAwareness(awareness: Awareness, clientId: number): void {
  if (awareness.clientID === clientId) return;
  const presence = awareness.getLocalState();
  awareness.setLocalState(null);
  awareness.clientID = clientId;
  // As a fresh Awareness does: peers ignore a client's first clock, so the real state goes second.
  awareness.setLocalState({});
  awareness.setLocalState(presence);
}
