import {
  CloseCode,
  Feature,
  docChecksum,
  decodeDeleteSet,
  encodeDeleteSet,
  encodeMessage,
  encodeRoomEnvelope,
  type RoomScopedMessage,
  settlePendingStructs,
} from '@dungeon-lab/protocol';
import * as awarenessProtocol from 'y-protocols/awareness';
import type { StoredRow } from '@dungeon-lab/store';
import * as Y from 'yjs';
import { ConnectionError, protocolError } from './connection-error.ts';
import { guarded } from './boundary.ts';
import {
  type BusChannel,
  type BusHandler,
  type BusMessage,
  type RoomBus,
  type SubscribeOptions,
  type Unsubscribe,
  type WriteTicket,
  roomChannel,
} from './bus/room-bus.ts';
import { AntiEntropy } from './anti-entropy.ts';
import { ClientIdLeases } from './client-id-leases.ts';
import { type DeleteSet, DocWriter, announcementOfTransaction, announcementOfUpdate, deleteSetOf } from './doc-writer.ts';
import { PeerWrites } from './peer-writes.ts';
import { encodeIntegratedState, encodeIntegratedStateSized, writeIntegratedState } from './integrated-state.ts';
import { afterFlush } from './outbound/outbox.ts';
import { splitUpdate } from './update-pieces.ts';
import { type WsFrame, WsFrameBuilder, encodeWsFrame, wsFramePayload } from './outbound/ws-frame.ts';
import { checkUpdate } from './update-check.ts';
import type { ResolvedOptions } from './options.ts';
import type { RoomMember } from './room-member.ts';
import { STORE_ORIGIN, memberOrigin, peerOrigin, roomOriginOf, serverOrigin } from './room-origin.ts';
import type { WriteGuard, WriteVerdict } from './write-rules/write-guard.ts';

export type { RoomMember, RoomPeer } from './room-member.ts';

const EMPTY_STATE_VECTOR_LENGTH = 1;
const EMPTY_STATE_VECTOR = new Uint8Array([0]);
/** An encoded delete set of no client. */
const NO_DELETIONS = encodeDeleteSet(new Map());
/** An encoded delete set of no client: its count, 0, alone (as a state vector of none). */
const EMPTY_DELETE_SET_LENGTH = 1;
/** A sync step 2 message up to its update's length prefix. */
const SYNC_STEP2_PREFIX = ((message: Uint8Array) => message.subarray(0, message.byteLength - 1))(
  encodeMessage({ type: 'sync-step2', update: new Uint8Array(0) }),
);
/** Rounds a room publishes its digest in after a change ([OR4]): the last shows peers the settled state. */
const DIGEST_ROUNDS_AFTER_CHANGE = 3;
/** Rounds it goes on after a peer's digest differed: long enough for the peer to be seen behind twice. */
const DIGEST_ROUNDS_WHILE_DIFFERENT = 2;
/** How many rounds a change may wait for a write known to store it before the room stores it itself ([OR5]). */
const RESTORE_AFTER_ROUNDS = 2;
/** A member whose updates keep being refused is sent the room's state at most this often. */
const RESYNC_AFTER_DENIAL_MS = 1_000;

/**
 * A loaded Yjs document and the sockets of this process connected to it.
 * Every change to the doc goes through the doc's `update` event, which
 * decides by the change's origin ([OR1]): a member's or the server's change is
 * queued for durable storage and published on the room bus (the server's once
 * stored, [EL22]); a peer process's change is only applied. Members hear
 * every change, their own included, from the room's bus subscription —
 * whichever process made it.
 */
/**
 * How far back a room's subscription reaches on a bus that holds messages
 * ([BUS8]): well past a load plus a peer's group commit, so every update a
 * peer published before this room subscribed is in the store it loaded or
 * comes again on the bus.
 */
const REPLAY_AFTER_LOAD_MS = 60_000;

/** Larger states go to a joiner in pieces of about this size ([P16]). */
const SYNC_PIECE_BYTES = 4 * 1024 * 1024;

/**
 * What answers a sync step 1 ([P16]): the update in one sync step 2 or, when
 * it is larger than a piece, its pieces as sync updates and then its
 * deletions as the sync step 2 — so no single message takes longer than a
 * piece to cross a slow link (y-websocket reconnects after 30 s without a
 * complete message) and the client counts itself synced only after them all.
 */
function syncMessages(update: Uint8Array): Uint8Array[] {
  if (update.byteLength <= SYNC_PIECE_BYTES) return [encodeMessage({ type: 'sync-step2', update })];
  const { pieces, deletions } = splitUpdate(update, SYNC_PIECE_BYTES);
  return [...pieces.map((piece) => encodeMessage({ type: 'sync-update', update: piece })), encodeMessage({ type: 'sync-step2', update: deletions })];
}

/** What the registry holding a room hears from it. */
export interface RoomHooks {
  /** The store refused a write of this copy's: another process claimed the session ([EL24]). */
  readonly onFenced: (room: Room) => void;
}

export class Room {
  readonly name: string;
  /**
   * When the load began to read the store (`performance.now()`): a copy read
   * before the session was claimed may lack what the last holder stored
   * after the read ([EL24]).
   */
  readonly readAt: number;
  readonly doc: Y.Doc;
  readonly awareness: awarenessProtocol.Awareness;
  readonly members = new Set<RoomMember>();
  readonly clientIds: ClientIdLeases<RoomMember>;
  private readonly writer: DocWriter;
  private readonly opts: ResolvedOptions;
  private readonly bus: RoomBus;
  private readonly subscriptions: Unsubscribe[] = [];
  private changeVersion = 0;
  private checksumFrame: { version: number; frame: Uint8Array } | null = null;
  private checksumOf: { version: number; checksum: string } | null = null;
  /** The full state as framed sync messages ([P16]), shared by every fresh joiner until the doc changes. */
  private fullState: WsFrame[] | null = null;
  private checksumTimer: ReturnType<typeof setInterval> | null = null;
  /** Per-path write rules on client updates (docs/security.md, [W…]); null: members write freely. */
  private writeGuard: WriteGuard | null = null;
  private readonly resyncedAt = new WeakMap<RoomMember, number>();
  /** Peers' updates applied here that their writers have not yet said they stored ([OR3]). */
  private readonly peerWrites = new PeerWrites();
  private adoptTimer: ReturnType<typeof setTimeout> | null = null;
  /** Members whose first sync step 1 was answered: another one from a checksum client is its drift detector's resync. */
  private readonly stepOneAnswered = new WeakSet<RoomMember>();
  private readonly antiEntropy: AntiEntropy;
  private antiEntropyTimer: ReturnType<typeof setInterval> | null = null;
  /** Rounds this room still publishes its digest in ([OR4]): a few after each change, and while a peer's differs. */
  private digestRounds = 0;
  private digestVersion = 0;
  /** The doc's state vector at the last rounds, newest last: what [OR5] expects stored by now. */
  private readonly clocksAtRounds: Array<Map<number, number>> = [];
  /** The ticket of an [OR5] write not yet durable: one at a time. */
  private restoring: number | null = null;
  /**
   * The server's own changes queued for the store and shown to no one yet
   * ([EL22]): published, and so heard by members and peers, once stored.
   */
  private unshown: Array<{ readonly update: Uint8Array; readonly ticket: WriteTicket }> = [];
  /** Answers to members' sync requests, waiting until nothing is unshown ([EL22]). */
  private afterUnshown: Array<() => void> = [];

  static async load(name: string, opts: ResolvedOptions, hooks: RoomHooks): Promise<Room> {
    const readAt = performance.now();
    const stored = await opts.store.loadDoc(name);
    const doc = new Y.Doc();
    // Before anything is applied: a load, like any update later, must not leave out what it could integrate ([P17]).
    settlePendingStructs(doc);
    doc.transact(() => {
      for (const row of stored.rows) Y.applyUpdate(doc, row.data);
    });
    return new Room(name, doc, stored.rows, opts, hooks, readAt);
  }

  private constructor(name: string, doc: Y.Doc, rows: readonly StoredRow[], opts: ResolvedOptions, hooks: RoomHooks, readAt: number) {
    this.name = name;
    this.readAt = readAt;
    this.doc = doc;
    this.opts = opts;
    this.bus = opts.bus;
    this.writer = new DocWriter(
      {
        name,
        doc,
        store: opts.store,
        logger: opts.logger,
        compaction: opts.compaction,
        writeRetryMs: opts.writeRetryMs,
        onCompactionSnapshotWritten: opts.onCompactionSnapshotWritten,
        telemetry: opts.telemetry,
        onSaved: (delta, deletes, through, arrivals) => {
          if (this.restoring !== null && through.seq >= this.restoring) this.restoring = null;
          this.showStored(through);
          this.publishSaved(delta, deletes, through, arrivals);
        },
        onFenced: () => hooks.onFenced(this),
      },
      rows,
    );
    this.clientIds = new ClientIdLeases(name, doc, opts.store);
    this.awareness = new awarenessProtocol.Awareness(doc);
    // The server has no presence of its own.
    this.awareness.setLocalState(null);
    this.awareness.on('update', this.onAwarenessUpdate);
    doc.on('update', this.onDocUpdate);
    // Subscribed after the load: what peers published meanwhile, or before their own store writes landed, comes again ([BUS8]).
    this.listen(roomChannel(name), this.onBusMessage, { replayMs: REPLAY_AFTER_LOAD_MS });
    this.antiEntropy = new AntiEntropy(opts.antiEntropyMs);
    if (opts.antiEntropyMs > 0) {
      this.antiEntropyTimer = setInterval(guarded(opts.logger, 'anti-entropy round failed', () => this.antiEntropyRound()), opts.antiEntropyMs);
      this.antiEntropyTimer.unref();
    }
    if (opts.checksumIntervalMs > 0) {
      this.checksumTimer = setInterval(guarded(opts.logger, 'checksum broadcast failed', () => this.sendChecksums()), opts.checksumIntervalMs);
      this.checksumTimer.unref();
    }
  }

  private readonly onDocUpdate = (update: Uint8Array, _origin: unknown, _doc: Y.Doc, tr: Y.Transaction): void => {
    this.changeVersion++;
    this.fullState = null;
    const origin = roomOriginOf(tr.origin);
    // A peer's change is stored by the process that published it ([OR2]); onBusMessage watches that it is ([OR3]).
    if (origin.kind === 'peer') return;
    if (origin.kind === 'store') {
      // Read back from the store ([EL21]): durable already; this process's sockets hear it here.
      this.broadcast(encodeMessage({ type: 'sync-update', update }));
      return;
    }
    if (origin.kind === 'server') {
      // Shown once stored ([EL22]): an intent's effects seen before the store has them could come back beside their replay.
      this.unshown.push({ update, ticket: this.writer.enqueue(update, null, origin.fence) });
      return;
    }
    const ticket = this.writer.enqueue(update, announcementOfTransaction(tr, origin.member.peer.arrivedAt));
    const fannedOut = this.bus.publish({ kind: 'doc-update', room: this.name, update, ticket });
    // Members hear the update when the bus hands it back to this room; the frames leave at the end of that turn.
    const { arrivedAt } = origin.member.peer;
    void fannedOut.then(() => afterFlush(() => this.opts.telemetry.syncLatency('fanout', arrivedAt)));
  };

  /**
   * The server's changes a durable write covered (`through`) are published
   * now, before that write's `saved`, and whatever waited for them goes
   * ahead ([EL22]).
   */
  private showStored(through: WriteTicket): void {
    if (this.unshown.length === 0) return;
    let shown = 0;
    while (shown < this.unshown.length && this.unshown[shown]!.ticket.seq <= through.seq) shown++;
    for (const { update, ticket } of this.unshown.splice(0, shown)) void this.bus.publish({ kind: 'doc-update', room: this.name, update, ticket });
    if (this.unshown.length > 0) return;
    for (const run of this.afterUnshown.splice(0)) run();
  }

  /** Runs `then` now, or once every change of the server's is stored and shown ([EL22]). */
  private whenShown(then: () => void): void {
    if (this.unshown.length === 0) then();
    else this.afterUnshown.push(then);
  }

  private readonly onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    rawOrigin: unknown,
  ): void => {
    const origin = roomOriginOf(rawOrigin);
    // A peer's presence was published by its process; the bus delivery that applied it shows it here.
    if (origin.kind === 'peer' || origin.kind === 'store') return;
    if (origin.kind === 'member' && this.members.has(origin.member)) {
      // What a member sent is published as it came (handle); only track ownership.
      const { awarenessIds } = origin.member;
      for (const id of added) awarenessIds.add(id);
      for (const id of updated) awarenessIds.add(id);
      for (const id of removed) awarenessIds.delete(id);
      return;
    }
    // Removals the server decided (member left, state timed out) must be announced.
    const changed = added.concat(updated, removed);
    if (changed.length === 0) return;
    void this.bus.publish({ kind: 'awareness', room: this.name, update: awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed) });
  };

  /**
   * Everything this room's members hear of changes: a change made here comes
   * back from the bus like one from a peer process, which is applied first.
   */
  private readonly onBusMessage: BusHandler = (message, from) => {
    const fromPeer = from !== this.bus.process;
    switch (message.kind) {
      case 'doc-update':
        if (fromPeer) {
          this.applyPeer(from, 'update', () => Y.applyUpdate(this.doc, message.update, peerOrigin(from)));
          this.peerWrites.record(from, message.ticket, message.update, Date.now());
          this.scheduleAdoption();
        }
        this.broadcast(encodeMessage({ type: 'sync-update', update: message.update }));
        return;
      case 'awareness':
        if (fromPeer) this.applyPeer(from, 'awareness', () => awarenessProtocol.applyAwarenessUpdate(this.awareness, message.update, peerOrigin(from)));
        this.broadcast(encodeMessage({ type: 'awareness', update: message.update }));
        return;
      case 'saved':
        if (fromPeer) {
          this.peerWrites.confirm(from, message.through);
          this.applyPeer(from, 'saved', () => this.notePeerSaved(message));
        }
        this.broadcastSaved(message.stateVector, message.deleteSet);
        return;
      case 'digest':
        if (fromPeer) this.applyPeer(from, 'digest', () => this.compareDigest(from, message));
        return;
    }
  };

  /** This copy's digest ([OR4]). */
  private digest(): { stateVector: Map<number, number>; checksum: string } {
    if (this.checksumOf?.version !== this.changeVersion) this.checksumOf = { version: this.changeVersion, checksum: docChecksum(this.doc) };
    return { stateVector: Y.decodeStateVector(Y.encodeStateVector(this.doc)), checksum: this.checksumOf.checksum };
  }

  /**
   * Every round: publish the digest while the room changed lately or a peer
   * differed ([OR4]), and store what the doc held two rounds ago and no
   * write is known to have stored ([OR5]).
   */
  private antiEntropyRound(): void {
    // A copy holding changes shown to no one yet is compared with nothing ([EL22]): a peer behind it would be sent them.
    if (this.holdsUnstored) return;
    if (this.digestVersion !== this.changeVersion) {
      this.digestVersion = this.changeVersion;
      this.digestRounds = DIGEST_ROUNDS_AFTER_CHANGE;
    }
    if (this.digestRounds > 0) {
      this.digestRounds--;
      const { stateVector, checksum } = this.digest();
      void this.bus.publish({ kind: 'digest', room: this.name, stateVector: Y.encodeStateVector(stateVector), checksum });
    }
    this.restoreUnstored();
  }

  private compareDigest(from: string, message: Extract<BusMessage, { kind: 'digest' }>): void {
    if (this.holdsUnstored) return;
    const theirs = { stateVector: Y.decodeStateVector(message.stateVector), checksum: message.checksum };
    const { repair, differs } = this.antiEntropy.compare(from, theirs, this.digest(), Date.now());
    // Both sides keep publishing until they agree: the one behind must be seen behind twice to be sent anything.
    if (differs) this.digestRounds = Math.max(this.digestRounds, DIGEST_ROUNDS_WHILE_DIFFERENT);
    if (!repair) return;
    const update = Y.encodeStateAsUpdate(this.doc, message.stateVector);
    this.opts.logger.warn({ room: this.name, peer: from, bytes: update.byteLength }, 'a peer process still lacks what this one held a round ago: sending it again');
    this.opts.telemetry.driftIncident('peer-behind');
    // Stored again and published like any write here, so peers track it ([OR3]) and this room's members hear it too.
    void this.bus.publish({ kind: 'doc-update', room: this.name, update, ticket: this.storeAsItIs(update) });
  }

  /**
   * A change this room holds that no write is known to have stored two
   * rounds on — its process died between publishing and storing and the
   * [OR3] adoption missed it (the room was not loaded here then, or the
   * `saved` that ended the wait was lost) — would keep every client's
   * `saved` short of it for good, since `saved` is a stored prefix ([P6]).
   * The room stores it itself ([OR5]); should it be stored after all, a load
   * merges the copy away.
   */
  private restoreUnstored(): void {
    this.clocksAtRounds.push(Y.decodeStateVector(Y.encodeStateVector(this.doc)));
    if (this.clocksAtRounds.length <= RESTORE_AFTER_ROUNDS) return;
    const expected = this.clocksAtRounds.shift()!;
    if (this.restoring !== null || this.writer.failing) return;
    const { durable } = this.writer;
    let missing = false;
    for (const [client, clock] of expected) if ((durable.get(client) ?? 0) < clock) missing = true;
    if (!missing) return;
    const update = Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(new Map(durable)));
    this.opts.logger.warn({ room: this.name, bytes: update.byteLength }, 'storing changes held here that no write is known to have stored');
    this.opts.telemetry.driftIncident('unstored');
    const ticket = this.storeAsItIs(update);
    this.restoring = ticket.seq;
    void this.bus.publish({ kind: 'doc-update', room: this.name, update, ticket });
  }

  /** Checks for peer updates gone unconfirmed when the oldest waiting one falls due ([OR3]). */
  private scheduleAdoption(): void {
    if (this.adoptTimer !== null) return;
    const oldest = this.peerWrites.oldest();
    if (oldest === null) return;
    const dueIn = Math.max(0, oldest + this.opts.adoptPeerWritesAfterMs - Date.now());
    this.adoptTimer = setTimeout(() => {
      this.adoptTimer = null;
      this.adoptOverdue();
      this.scheduleAdoption();
    }, dueIn);
    this.adoptTimer.unref();
  }

  /**
   * Stores the peer updates whose writers never said they stored them: that
   * process died or lost its store between publishing and storing, and the
   * copies in this room and in members' docs are all there is. Announced in
   * `saved` like a member's own, so the members who made them stop waiting.
   * Should the writer be merely slow, the update is stored twice, which a
   * load merges away.
   */
  private adoptOverdue(): void {
    const overdue = this.peerWrites.takeArrivedBy(Date.now() - this.opts.adoptPeerWritesAfterMs);
    if (overdue.length === 0) return;
    this.opts.logger.warn({ room: this.name, updates: overdue.length }, 'storing peer updates their process never said it stored');
    for (const { update } of overdue) this.storeAsItIs(update);
  }

  /**
   * Queues an update that did not come from this doc's own transaction (a
   * peer's, adopted; the doc's state for a peer or the store), announced
   * like a member's. It may carry operations the doc could not integrate
   * (`encodeStateAsUpdate` includes them): while the doc holds any, its
   * rows must outlive every compaction of this writer, whose snapshot holds
   * only what the doc integrated ([P8]).
   */
  private storeAsItIs(update: Uint8Array): WriteTicket {
    if (this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null) this.writer.keepRows();
    return this.writer.enqueue(update, announcementOfUpdate(update));
  }

  /**
   * A peer's durable write is durable for this room's joiners too ([P6]);
   * and where it joins a range this room stored ahead of a gap, the members
   * hear how far their clients are now stored.
   */
  private notePeerSaved({ stateVector, deleteSet }: Extract<BusMessage, { kind: 'saved' }>): void {
    const beyond = this.writer.peerStored(Y.decodeStateVector(stateVector), deleteSetOf(decodeDeleteSet(deleteSet)));
    if (beyond.size > 0) this.broadcastSaved(Y.encodeStateVector(beyond), NO_DELETIONS);
  }

  /** A peer's change that does not apply is that process's problem: logged, and the room goes on. */
  private applyPeer(from: string, what: string, apply: () => void): void {
    try {
      apply();
    } catch (err) {
      // The peer stored it: this process's copy of the room now differs from the store's.
      if (what === 'update') this.opts.telemetry.driftIncident('peer-update-failed');
      this.opts.logger.error({ room: this.name, from, err: String(err) }, `peer ${what} failed to apply`);
    }
  }

  /**
   * Merges into this copy what the store holds of the room ([EL21]): a
   * process taking a session over recovers the table from the log, and must
   * first hold every effect the last holder stored, though its update never
   * reached this process over the bus — or it would apply the entry again,
   * and a list effect (a chat line) would stand twice once the update came.
   */
  async catchUpFromStore(): Promise<void> {
    const stored = await this.opts.store.loadDoc(this.name);
    this.doc.transact(() => {
      for (const row of stored.rows) Y.applyUpdate(this.doc, row.data);
    }, STORE_ORIGIN);
    const grown = this.writer.readBack(stored.rows);
    if (grown.size > 0) this.broadcastSaved(Y.encodeStateVector(grown), NO_DELETIONS);
  }

  /** Subscribes to a bus channel for as long as the room is loaded. */
  listen(channel: BusChannel, handler: BusHandler, options?: SubscribeOptions): void {
    this.subscriptions.push(this.bus.subscribe(channel, handler, options));
  }

  /** Installed before anyone joins (a session's table room); updates are judged from then on. */
  setWriteGuard(guard: WriteGuard | null): void {
    this.writeGuard = guard;
    if (guard !== null) this.dropPending();
  }

  /** Number of rows this room occupies in the store. */
  get storedRows(): number {
    return this.writer.rowCount;
  }

  get unsavedUpdates(): number {
    return this.writer.unsavedUpdates;
  }

  addMember(member: RoomMember): void {
    this.members.add(member);
    this.sendTo(member, encodeMessage({ type: 'sync-step1', stateVector: Y.encodeStateVector(this.doc) }));
    if (member.peer.features & Feature.Saved) {
      this.sendTo(
        member,
        encodeMessage({
          type: 'saved',
          stateVector: Y.encodeStateVector(new Map(this.writer.durable)),
          deleteSet: encodeDeleteSet(this.writer.durableDeleteSet().clients),
        }),
      );
    }
    const states = this.awareness.getStates();
    if (states.size > 0) {
      const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, Array.from(states.keys()));
      this.sendTo(member, encodeMessage({ type: 'awareness', update }));
    }
  }

  removeMember(member: RoomMember): void {
    if (!this.members.delete(member)) return;
    this.clientIds.release(member);
    if (member.awarenessIds.size > 0) {
      awarenessProtocol.removeAwarenessStates(this.awareness, Array.from(member.awarenessIds), serverOrigin('member-left'));
    }
  }

  /** Takes this room away from every socket of `userId` here ([A15], [A16]). */
  revoke(userId: string, code: CloseCode): void {
    for (const member of Array.from(this.members)) {
      if (member.peer.userId === userId) member.peer.revokeRoom(this.name, code);
    }
  }

  /**
   * Sends each member with `feature` (but the socket `except`) the frame
   * `frameFor` picks for it, or nothing for null. The picks (role lookups)
   * run together; a member that left meanwhile gets nothing.
   */
  async sendEach(feature: number, except: number | undefined, frameFor: (member: RoomMember) => Promise<Uint8Array | null>): Promise<void> {
    const members = Array.from(this.members).filter((m) => (m.peer.features & feature) !== 0 && m.peer.id !== except);
    const frames = await Promise.all(members.map(frameFor));
    members.forEach((member, i) => {
      const frame = frames[i]!;
      if (frame !== null && this.members.has(member)) this.sendTo(member, frame);
    });
  }

  /** Handles one message from a member; throws ConnectionError for protocol violations. */
  handle(member: RoomMember, msg: RoomScopedMessage): void {
    switch (msg.type) {
      case 'sync-step1':
        this.answerStepOne(member, msg.stateVector);
        return;
      case 'sync-step2':
      case 'sync-update':
        this.applyClientUpdate(member, msg.update, msg.type === 'sync-step2');
        return;
      case 'awareness':
        if (this.clientIds.heldByAnotherUser(msg.update, member.peer.userId)) {
          // Not applied, not relayed: another user's presence is theirs to change ([P15]).
          if (member.peer.features !== 0) {
            this.sendTo(member, encodeMessage({ type: 'error', reason: 'permission-denied', detail: 'awareness state of a client id leased to another user' }));
          }
          return;
        }
        try {
          awarenessProtocol.applyAwarenessUpdate(this.awareness, msg.update, memberOrigin(member));
        } catch (err) {
          throw protocolError(`malformed awareness update: ${(err as Error).message}`);
        }
        void this.bus.publish({ kind: 'awareness', room: this.name, update: msg.update });
        return;
      case 'query-awareness': {
        const states = this.awareness.getStates();
        if (states.size === 0) return;
        const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, Array.from(states.keys()));
        this.sendTo(member, encodeMessage({ type: 'awareness', update }));
        return;
      }
      case 'auth-denied':
      case 'saved':
      case 'checksum':
      case 'error':
      case 'intent-ack':
      case 'event-applied':
      case 'catch-up-response':
      case 'approval-requested':
      case 'approval-resolved':
        throw protocolError(`${msg.type} is a server-to-client message`);
      case 'intent-submit':
      case 'catch-up-request':
        // Routed to the event log by the connection before it reaches the room.
        throw protocolError(`${msg.type} needs the event-log feature`);
      case 'client-id':
        // Answered by the connection before it reaches the room.
        throw protocolError('client-id needs the client-ids feature');
    }
  }

  /**
   * A member's first step 1 starts its sync: one that arrives holding part of
   * the document is a client coming back (reconnect, reload), and how long it
   * took from its upgrade to our answer is its recovery time. A later step 1
   * from a client with the checksum feature is its drift detector asking to
   * resync ([P7]): our client sends one for nothing else.
   */
  private answerStepOne(member: RoomMember, encodedStateVector: Uint8Array): void {
    const first = !this.stepOneAnswered.has(member);
    this.stepOneAnswered.add(member);
    if (!first && (member.peer.features & Feature.Checksum) !== 0) this.opts.telemetry.driftIncident('client-resync');
    this.sendSyncStep2(member, encodedStateVector);
    if (first && !member.enveloped && encodedStateVector.byteLength > EMPTY_STATE_VECTOR_LENGTH) {
      const { upgradeAt } = member.peer;
      afterFlush(() => this.opts.telemetry.reconnectRecovered(upgradeAt));
    }
  }

  private sendSyncStep2(member: RoomMember, encodedStateVector: Uint8Array): void {
    let stateVector: Map<number, number>;
    try {
      stateVector = Y.decodeStateVector(encodedStateVector);
    } catch {
      throw protocolError('malformed state vector');
    }
    // What the server changed is in the doc before the store has it: the answer waits until it is shown ([EL22]).
    this.whenShown(() => {
      if (this.members.has(member)) this.answerSync(member, stateVector.size > 0 || encodedStateVector.byteLength !== EMPTY_STATE_VECTOR_LENGTH ? encodedStateVector : null);
    });
  }

  /** The state `member` lacks after `encodedStateVector` (null: an empty one, the whole state). */
  private answerSync(member: RoomMember, encodedStateVector: Uint8Array | null): void {
    if (encodedStateVector !== null) {
      for (const message of syncMessages(encodeIntegratedState(this.doc, encodedStateVector))) this.replyTo(member, message);
      return;
    }
    // Fresh joiners all need the same bytes: encode and frame the state once (until the doc
    // changes), so twenty joiners of a large document share one buffer.
    this.fullState ??= this.frameFullState();
    for (const frame of this.fullState) {
      if (member.enveloped) this.replyTo(member, wsFramePayload(frame));
      else member.peer.sendReply(frame);
    }
  }

  private frameFullState(): WsFrame[] {
    const sizeHint = this.writer.stateSizeHint;
    if (sizeHint > SYNC_PIECE_BYTES) return syncMessages(encodeIntegratedStateSized(this.doc, sizeHint)).map(encodeWsFrame);
    // Written straight into the frame: a few MB of document cost one buffer, not four copies.
    const builder = new WsFrameBuilder(SYNC_STEP2_PREFIX, sizeHint);
    writeIntegratedState(this.doc, builder.encoder);
    return [builder.finish()];
  }

  private applyClientUpdate(member: RoomMember, update: Uint8Array, step2: boolean): void {
    let verdict: WriteVerdict | null = null;
    try {
      // Parse the whole update before touching the doc: Yjs integrates structs
      // before it reads the delete set, so a truncated update could half-apply.
      if (this.writeGuard === null) checkUpdate(update);
      else verdict = this.writeGuard.check(this.doc, member.peer.userId, update);
    } catch (err) {
      if (err instanceof ConnectionError) throw err;
      throw new ConnectionError(CloseCode.CorruptUpdate, `undecodable update: ${(err as Error).message}`);
    }
    if (verdict !== null && !verdict.allowed) {
      this.refuseUpdate(member, verdict, step2);
      return;
    }
    try {
      Y.applyUpdate(this.doc, update, memberOrigin(member));
    } catch (err) {
      // Whatever Yjs integrated before failing went through onDocUpdate (stored, broadcast),
      // so memory, store and peers stay consistent; only the sender is cut off.
      this.opts.logger.warn({ room: this.name, peer: member.peer.id, err: String(err) }, 'update failed to apply');
      throw new ConnectionError(CloseCode.CorruptUpdate, `update failed to apply: ${(err as Error).message}`);
    } finally {
      if (this.writeGuard !== null) this.dropPending();
    }
  }

  /**
   * A refused update is not applied, stored or relayed. Its sender is told
   * why (`auth`, naming the path) and sent the room's state again — at most
   * once a second: a stock client answers our step 1 with the same refused
   * operations, and must not make us send it the whole document in a loop.
   */
  private refuseUpdate(member: RoomMember, verdict: WriteVerdict & { allowed: false }, step2: boolean): void {
    const guard = this.writeGuard!;
    this.sendTo(member, encodeMessage({ type: 'auth-denied', reason: verdict.reason }));
    const now = Date.now();
    if (now - (this.resyncedAt.get(member) ?? -Infinity) >= RESYNC_AFTER_DENIAL_MS) {
      this.resyncedAt.set(member, now);
      // A refused step 2 is already the answer to a step 1; asking again would bring the same answer.
      if (!step2) this.sendTo(member, encodeMessage({ type: 'sync-step1', stateVector: Y.encodeStateVector(this.doc) }));
      this.sendSyncStep2(member, EMPTY_STATE_VECTOR);
    }
    const denial = { sessionId: guard.sessionId, userId: member.peer.userId, room: this.name, path: verdict.path, ruleId: verdict.ruleId, reason: verdict.reason };
    this.opts.logger.debug({ ...denial, peer: member.peer.id }, 'update denied');
    try {
      this.opts.onDenied?.(denial);
    } catch (err) {
      this.opts.logger.error({ room: this.name, err: String(err) }, 'onDenied threw');
    }
  }

  /**
   * A guarded room never keeps operations it could not integrate: Yjs would
   * integrate them later, when another update fills their gap, unchecked.
   * The rules refuse such updates up front; this catches what slips past
   * (operations that wait on each other) and anything loaded from before.
   */
  private dropPending(): void {
    const store = this.doc.store;
    if (store.pendingStructs === null && store.pendingDs === null) return;
    this.opts.logger.warn({ room: this.name }, 'dropped operations that could not be integrated');
    store.pendingStructs = null;
    store.pendingDs = null;
  }

  /** Published after every durable write, even one of the server's writes alone: peers watch `through` ([OR3]). */
  private publishSaved(delta: Map<number, number>, deletes: DeleteSet, through: WriteTicket, arrivals: readonly number[]): void {
    void this.bus
      .publish({ kind: 'saved', room: this.name, stateVector: Y.encodeStateVector(delta), deleteSet: encodeDeleteSet(deletes.clients), through })
      .then(() =>
        afterFlush(() => {
          for (const arrivedAt of arrivals) this.opts.telemetry.syncLatency('saved', arrivedAt);
        }),
      );
  }

  private broadcastSaved(stateVector: Uint8Array, deleteSet: Uint8Array): void {
    // A write that made no stored prefix grow (a gap below it) and deleted nothing tells members nothing.
    if (stateVector.byteLength === EMPTY_STATE_VECTOR_LENGTH && deleteSet.byteLength === EMPTY_DELETE_SET_LENGTH) return;
    let anyone = false;
    for (const m of this.members) if (m.peer.features & Feature.Saved) anyone = true;
    if (anyone) this.broadcast(encodeMessage({ type: 'saved', stateVector, deleteSet }), Feature.Saved);
  }

  private sendChecksums(): void {
    // A checksum over changes members cannot have yet would look like drift ([EL22]).
    if (this.holdsUnstored) return;
    let any = false;
    for (const m of this.members) if (m.peer.features & Feature.Checksum) any = true;
    if (!any) return;
    if (this.checksumFrame?.version !== this.changeVersion) {
      const { stateVector, checksum } = this.digest();
      this.checksumFrame = {
        version: this.changeVersion,
        frame: encodeMessage({ type: 'checksum', stateVector: Y.encodeStateVector(stateVector), checksum }),
      };
    }
    this.broadcast(this.checksumFrame.frame, Feature.Checksum);
  }

  /**
   * Sends one message to every member (optionally only those with
   * `feature`, optionally skipping one socket), framing it once for all.
   */
  broadcast(message: Uint8Array, feature = 0, exceptPeerId?: number): void {
    let bare: WsFrame | undefined;
    let enveloped: WsFrame | undefined;
    for (const m of this.members) {
      if (feature !== 0 && (m.peer.features & feature) === 0) continue;
      if (m.peer.id === exceptPeerId) continue;
      m.peer.sendFrame(
        m.enveloped
          ? (enveloped ??= encodeWsFrame(encodeRoomEnvelope(this.name, message)))
          : (bare ??= encodeWsFrame(message)),
      );
    }
  }

  sendTo(member: RoomMember, frame: Uint8Array): void {
    member.peer.send(member.enveloped ? encodeRoomEnvelope(this.name, frame) : frame);
  }

  /** Sends what the member asked for, the state it lacks ([P12]). */
  private replyTo(member: RoomMember, message: Uint8Array): void {
    member.peer.sendReply(encodeWsFrame(member.enveloped ? encodeRoomEnvelope(this.name, message) : message));
  }

  /** The server changed the doc and the store does not have it yet ([EL22]). */
  get holdsUnstored(): boolean {
    return this.unshown.length > 0;
  }

  /**
   * Gives this copy up without storing what it holds ([EL23], [EL24]): this
   * process lost the session's lease with effects unstored, or the store
   * refused them, and the next holder replays them from the log — stored
   * late from here, they would stand beside the replay. Members' changes
   * still queued go too: their clients keep them, and send them again when
   * they reconnect (ServiceRestart: at once).
   */
  retire(why: 'lease lost' | 'fenced'): void {
    this.opts.logger.warn({ room: this.name, why, unstored: this.unshown.length }, 'the copy is dropped without storing what it holds: its members reconnect');
    for (const member of Array.from(this.members)) member.peer.revokeRoom(this.name, CloseCode.ServiceRestart);
    this.destroy();
  }

  /** Resolves once every update applied so far is durable. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Merges the room's rows into one snapshot if it has more than one. */
  compact(): Promise<void> {
    return this.writer.compact();
  }

  destroy(): void {
    for (const unsubscribe of this.subscriptions.splice(0)) unsubscribe();
    this.afterUnshown = [];
    if (this.adoptTimer !== null) clearTimeout(this.adoptTimer);
    this.writer.stop();
    if (this.checksumTimer !== null) clearInterval(this.checksumTimer);
    if (this.antiEntropyTimer !== null) clearInterval(this.antiEntropyTimer);
    this.awareness.off('update', this.onAwarenessUpdate);
    this.awareness.destroy();
    this.doc.off('update', this.onDocUpdate);
    this.doc.destroy();
  }
}
