import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { META_ROOT, META_SEQUENCE_KEY } from '@dungeon-lab/events';
import { encodeMessage } from '@dungeon-lab/protocol';
import * as Y from 'yjs';
import { AckTracker } from '../clients/ack-tracker.ts';
import { closeAll, connectAll } from '../clients/client-pool.ts';
import { BOARD_SIZE, buildIntent, playerTokenId } from '../clients/intent-mix.ts';
import { LoadClient } from '../clients/load-client.ts';
import { type CreatedSession, type DevUser, createSession, devLogin, forEachLimited, joinSession, tableRoom } from '../clients/session-api.ts';
import { TOKENS_MAP } from '../clients/token-writer.ts';
import { type Servers, asDeployment } from '../targets/deployment.ts';
import type { TargetProcess } from '../targets/target-process.ts';
import { dungeonLabEventLogWire } from '../wire/dungeon-lab-event-log.ts';
import { yWebsocketWire } from '../wire/y-websocket.ts';

/** Logins and joins in flight at once: enough to seat 100 players in well under a second, not a flood. */
const HTTP_CONCURRENCY = 8;
const SETUP_TIMEOUT_MS = 15_000;

async function waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/**
 * One session seated the way players arrive: each logs in (development
 * login), the first creates the session and is its GM, the others join with
 * the code, and every player opens the table room with the event-log sidecar
 * on a socket of their own. The GM places one token per player with a free
 * Yjs edit, so that `token:move` intents have something to move.
 */
export class SessionTable {
  private readonly submitted: number[];
  /** Sends skipped because the player's socket was not open. */
  notSent = 0;

  private constructor(
    readonly tracker: AckTracker,
    readonly session: CreatedSession,
    readonly users: readonly DevUser[],
    readonly clients: readonly LoadClient[],
    /** The GM's second socket, holding the table document: where an intent's effect is timed as others see it. */
    private readonly watcher: LoadClient,
  ) {
    this.submitted = users.map(() => 0);
  }

  /**
   * Over several processes, player `i` logs in, joins and plays on process `i mod n`; the GM (player 0)
   * creates the session and places the tokens on the first.
   */
  static async open(servers: Servers, players: number): Promise<SessionTable> {
    const deployment = asDeployment(servers);
    const http = (player: number): string => deployment.process(player).httpUrl;
    const users: DevUser[] = new Array<DevUser>(players);
    await forEachLimited(
      Array.from({ length: players }, (_, i) => `bench-player-${i}`),
      HTTP_CONCURRENCY,
      async (name, i) => {
        users[i] = await devLogin(http(i), name);
      },
    );
    const gm = users[0]!;
    const session = await createSession(http(0), gm, 'Bench table');
    await forEachLimited(users.slice(1), HTTP_CONCURRENCY, (user, i) => joinSession(http(i + 1), user, session));

    await placeTokens(deployment.process(0), gm, session, players);

    const tracker = new AckTracker();
    const clients = users.map(
      (user, i) =>
        new LoadClient({
          wire: dungeonLabEventLogWire,
          baseUrl: () => deployment.process(i).urlWithToken(user.token),
          room: tableRoom(session),
          onIntentAcks: (acks) => tracker.onAcks(acks),
        }),
    );
    const watcher = watchEffects(deployment.process(0), gm, session, tracker);
    const outcome = await connectAll([...clients, watcher]);
    if (outcome.failed > 0) {
      await closeAll([...clients, watcher]);
      throw new Error(`${outcome.failed} of ${players + 1} sockets (players and the watcher) could not open the table: ${outcome.firstError}`);
    }
    return new SessionTable(tracker, session, users, clients, watcher);
  }

  /** Player `player` submits their next intent, one per message, as a client does when it happens. */
  submitNext(player: number): void {
    const client = this.clients[player]!;
    if (client.state !== 'synced') {
      this.notSent += 1;
      return;
    }
    const intent = buildIntent(player, this.submitted[player]!++);
    const frame = encodeMessage({ type: 'intent-submit', intents: [intent] });
    this.tracker.sending(intent.id);
    client.send(frame);
  }

  /** Waits until every intent sent so far was answered; false if some were not within the time. */
  drained(timeoutMs: number): Promise<boolean> {
    return waitFor(() => this.tracker.outstanding === 0, timeoutMs);
  }

  framesIn(): number {
    return this.clients.reduce((n, c) => n + c.framesIn, 0);
  }

  unexpectedCloses(): number {
    return this.clients.reduce((n, c) => n + c.unexpectedCloses, 0);
  }

  close(): Promise<void> {
    return closeAll([...this.clients, this.watcher]);
  }
}

/**
 * A socket of the GM's holding the table document: each time its
 * `/meta/sequence` moves, the effects of the entries it passed are in a
 * document other than the sender's, and the tracker times them from send.
 */
function watchEffects(target: TargetProcess, gm: DevUser, session: CreatedSession, tracker: AckTracker): LoadClient {
  const doc = new Y.Doc();
  const meta = doc.getMap(META_ROOT);
  let seen = 0;
  doc.on('update', () => {
    const sequence = meta.get(META_SEQUENCE_KEY);
    if (typeof sequence !== 'number' || sequence <= seen) return;
    const now = performance.now();
    // The first reading is the join's: what was applied before is no effect seen here.
    if (seen > 0) for (let s = seen + 1; s <= sequence; s++) tracker.effectSeen(s, now);
    seen = sequence;
  });
  return new LoadClient({ wire: yWebsocketWire, baseUrl: () => target.urlWithToken(gm.token), room: tableRoom(session), doc });
}

/**
 * The GM's free edit: a token per player in the table's `tokens` map, on a
 * socket of its own that syncs a document, waits for the server's echo (the
 * edit is applied) and leaves.
 */
async function placeTokens(target: TargetProcess, gm: DevUser, session: CreatedSession, players: number): Promise<void> {
  const doc = new Y.Doc();
  const client = new LoadClient({ wire: yWebsocketWire, baseUrl: () => target.urlWithToken(gm.token), room: tableRoom(session), doc });
  await client.connect(SETUP_TIMEOUT_MS);
  try {
    const before = Y.encodeStateVector(doc);
    doc.transact(() => {
      const tokens = doc.getMap(TOKENS_MAP);
      for (let p = 0; p < players; p++) {
        const token = new Y.Map<unknown>();
        tokens.set(playerTokenId(p), token);
        token.set('name', `Player ${p}`);
        token.set('x', (p * 97) % BOARD_SIZE);
        token.set('y', (p * 61) % BOARD_SIZE);
      }
    });
    const echoesBefore = client.updatesIn;
    client.sendUpdate(Y.encodeStateAsUpdate(doc, before));
    if (!(await waitFor(() => client.updatesIn > echoesBefore, SETUP_TIMEOUT_MS))) {
      throw new Error('the GM placed the tokens but the server never echoed the edit');
    }
  } finally {
    client.close();
    await client.closed();
  }
}
