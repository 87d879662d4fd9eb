import type { ClientIdStore } from '@dungeon-lab/store';
import * as decoding from 'lib0/decoding';
import type * as Y from 'yjs';

/** What a lease needs to know of a room member. */
export interface LeaseHolder {
  readonly peer: { readonly userId: string };
  /** The client id this member was granted in its room; null until it asks ([P15]). */
  clientId: number | null;
}

/**
 * Hands the members of one room short Yjs client ids leased from the store
 * ([P15] in docs/protocol.md). A member keeps the id it asks for when that id
 * is a lease of its own user that no other member holds (a reconnect), and
 * gets a fresh lease otherwise. Requests run one at a time, so two members
 * can never be granted one id, and each member is granted once per join, so
 * a client cannot make the server lease without bound.
 */
export class ClientIdLeases<M extends LeaseHolder> {
  private readonly held = new Map<number, M>();
  private tail: Promise<unknown> = Promise.resolve();
  private readonly room: string;
  private readonly doc: Y.Doc;
  private readonly store: ClientIdStore;

  constructor(room: string, doc: Y.Doc, store: ClientIdStore) {
    this.room = room;
    this.doc = doc;
    this.store = store;
  }

  /**
   * Resolves with the id `member` is to use from now on, or null if it left
   * the room (`isPresent`) before one was settled. Rejects if the store does.
   */
  grant(member: M, requested: number, isPresent: () => boolean): Promise<number | null> {
    const result = this.tail.then(() => this.decide(member, requested, isPresent));
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * Whether an awareness update sets the state of a client id that a socket
   * of another user holds here ([P15]). Malformed updates answer false:
   * applying them reports that.
   */
  heldByAnotherUser(awarenessUpdate: Uint8Array, userId: string): boolean {
    // Rooms of stock clients never lease: their awareness is not decoded twice.
    if (this.held.size === 0) return false;
    try {
      const decoder = decoding.createDecoder(awarenessUpdate);
      const entries = decoding.readVarUint(decoder);
      for (let i = 0; i < entries; i++) {
        const holder = this.held.get(decoding.readVarUint(decoder));
        if (holder !== undefined && holder.peer.userId !== userId) return true;
        decoding.readVarUint(decoder);
        decoding.readVarString(decoder);
      }
    } catch {
      return false;
    }
    return false;
  }

  release(member: M): void {
    if (member.clientId !== null && this.held.get(member.clientId) === member) this.held.delete(member.clientId);
  }

  private async decide(member: M, requested: number, isPresent: () => boolean): Promise<number | null> {
    if (member.clientId !== null) return member.clientId;
    if (!isPresent()) return null;
    const userId = member.peer.userId;
    let id: number | null = null;
    if (requested > 0 && !this.held.has(requested) && (await this.store.clientIdOwner(this.room, requested)) === userId) {
      id = requested;
    }
    while (id === null) {
      const leased = await this.store.leaseClientId(this.room, userId);
      // A random id that happens to be this small may already have operations in the document.
      if (!this.doc.store.clients.has(leased)) id = leased;
    }
    if (!isPresent()) return null;
    member.clientId = id;
    this.held.set(id, member);
    return id;
  }
}
