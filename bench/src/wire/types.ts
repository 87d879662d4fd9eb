/** What a load client needs to know about one frame the server sent. */
export type ServerFrame =
  | { readonly kind: 'sync-step1'; readonly stateVector: Uint8Array }
  | { readonly kind: 'sync-step2'; readonly update: Uint8Array }
  | { readonly kind: 'update'; readonly update: Uint8Array }
  | { readonly kind: 'authenticated' }
  | { readonly kind: 'auth-denied'; readonly reason: string }
  /** Hocuspocus acknowledges every applied update to its sender. */
  | { readonly kind: 'sync-status'; readonly applied: boolean }
  /** Dungeon Lab's sidecar: clocks the server has made durable. */
  | { readonly kind: 'saved'; readonly stateVector: Uint8Array }
  /** Dungeon Lab's sidecar: the short Yjs client id the server leased this socket. */
  | { readonly kind: 'client-id'; readonly clientId: number }
  /** Dungeon Lab's event log: the server's answers to this socket's intents. */
  | { readonly kind: 'intent-ack'; readonly acks: readonly unknown[] }
  /** Hocuspocus tells a client it is being dropped before the socket closes. */
  | { readonly kind: 'closing'; readonly reason: string }
  | { readonly kind: 'other'; readonly type: number };

/**
 * One target's framing. The clients are deliberately thin: they speak just
 * enough of each protocol to join a room, sync and exchange updates, so that
 * the load generator spends its one core on traffic, not on provider logic.
 */
export interface WireProtocol {
  readonly name: 'y-websocket' | 'hocuspocus';
  /** Whether sync may only start after the server answered an auth message. */
  readonly needsAuth: boolean;
  roomUrl(baseUrl: string, room: string): string;
  encodeAuth(room: string): Uint8Array;
  /** A frame sent first on every connection, where the protocol has one. */
  encodeHello?(room: string): Uint8Array;
  /** Asks the server for a short client id to use from now on, where the protocol has that. */
  encodeClientIdRequest?(room: string, clientId: number): Uint8Array;
  encodeSyncStep1(room: string, stateVector: Uint8Array): Uint8Array;
  encodeSyncStep2(room: string, update: Uint8Array): Uint8Array;
  encodeUpdate(room: string, update: Uint8Array): Uint8Array;
  /** A cheap frame that resets a server's idle timer, or null if the server relies on WebSocket pings. */
  encodeKeepalive(room: string): Uint8Array | null;
  decode(frame: Uint8Array): ServerFrame;
  /**
   * Recognises the frames a counting client sees by the thousand (updates,
   * Hocuspocus acknowledgements) from their first bytes, without decoding;
   * undefined means "decode it properly".
   */
  peekKind(frame: Uint8Array): 'update' | 'sync-status' | undefined;
}

/** Sync step 2 of a document that holds nothing: empty struct section and empty delete set. */
export const EMPTY_UPDATE = new Uint8Array([0, 0]);
/** State vector of a document that holds nothing. */
export const EMPTY_STATE_VECTOR = new Uint8Array([0]);
