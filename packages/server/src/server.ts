import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createIntentRegistry } from '@dungeon-lab/events';
import { assertValidPlugin } from '@dungeon-lab/plugin-api';
import { ALL_FEATURES, CloseCode, PROTOCOL_VERSION, SIDECAR_QUERY_PARAM } from '@dungeon-lab/protocol';
import { WebSocketServer } from 'ws';
import { Connection } from './connection.ts';
import { Checkpoints } from './event-log/checkpoints.ts';
import { EventLogService } from './event-log/event-log-service.ts';
import { handleSessionApi } from './event-log/http-api.ts';
import { createAuthenticator } from './auth/authenticator.ts';
import { credentialFromUpgrade, selectSubprotocol } from './auth/credentials.ts';
import { handleDevLogin } from './auth/dev-login-route.ts';
import { handleHttp } from './http-routes.ts';
import { type ResolvedOptions, type ServerOptions, resolveOptions } from './options.ts';
import { RoomRegistry } from './room-registry.ts';
import { roomNameFromPath } from './room-name.ts';
import { Membership } from './sessions/membership.ts';
import { revokeAccess } from './sessions/revoke-access.ts';
import { RoomGate } from './sessions/room-gate.ts';
import { handleSessionsApi } from './sessions/sessions-http-api.ts';

export interface ServerMetrics {
  readonly rooms: number;
  readonly connections: number;
  readonly unsavedUpdates: number;
  readonly memory: NodeJS.MemoryUsage;
}

export interface DungeonLabServer {
  /** Starts listening; port 0 picks a free port. Resolves once bound. */
  listen(port?: number, host?: string): Promise<void>;
  /** Closes every socket (GoingAway), flushes every room to the store, stops listening. */
  close(): Promise<void>;
  /** `http://host:port` once listening. */
  readonly url: string;
  /** The underlying HTTP server, for mounting further routes. */
  readonly httpServer: HttpServer;
  metrics(): ServerMetrics;
}

const SHUTDOWN_FLUSH_DEADLINE_MS = 10_000;

/** Sidecar features a socket gets from its URL: all of them if it names our protocol version. */
function featuresFromQuery(params: URLSearchParams): { features: number; versionMismatch: boolean } {
  const announced = params.get(SIDECAR_QUERY_PARAM);
  if (announced === null) return { features: 0, versionMismatch: false };
  return Number(announced) === PROTOCOL_VERSION
    ? { features: ALL_FEATURES, versionMismatch: false }
    : { features: 0, versionMismatch: true };
}

/** The last event sequence a reconnecting client saw (`seq` query parameter), if any. */
function lastSeenFromQuery(params: URLSearchParams): number | null {
  const raw = params.get('seq');
  if (raw === null) return null;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  503: 'Service Unavailable',
};

/** Upgrade refusals are raw HTTP on the socket: the WebSocket never opens ([A1]). */
function refuse(socket: Duplex, status: number): void {
  const challenge = status === 401 ? 'WWW-Authenticate: Bearer realm="dungeon-lab"\r\n' : '';
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}\r\n${challenge}Connection: close\r\nContent-Length: 0\r\n\r\n`);
}

export function createServer(options: ServerOptions): DungeonLabServer {
  const opts: ResolvedOptions = resolveOptions(options);
  const registry = new RoomRegistry(opts);
  const plugins = new Map((options.plugins ?? []).map((p) => [p.id, p] as const));
  for (const plugin of plugins.values()) assertValidPlugin(plugin);
  const intents = createIntentRegistry([...(options.intents ?? []), ...Array.from(plugins.values()).flatMap((p) => p.intents)]);
  const auth = createAuthenticator(opts.auth, opts.store);
  const membership = new Membership(opts.store);
  const gate = new RoomGate(membership, opts.openRooms);
  const eventLog = new EventLogService(opts, registry, intents, plugins, (sessionId, userId) => membership.roleOf(sessionId, userId));
  const checkpoints = new Checkpoints(opts.store, (id) => eventLog.sequencer(id));
  registry.afterLoad = (room) => eventLog.afterRoomLoad(room);
  const connections = new Set<Connection>();
  membership.onChange((change) => revokeAccess(connections, change));
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxMessageBytes,
    perMessageDeflate: false,
    handleProtocols: selectSubprotocol,
  });
  let url = '';
  let closing = false;

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    return (
      (await handleHttp(req, res, { ping: () => opts.store.ping(), metrics })) ||
      (await handleDevLogin(req, res, url, auth, opts.eventLog.maxHttpBodyBytes)) ||
      (await handleSessionsApi(req, res, url, {
        auth,
        membership,
        maxBodyBytes: opts.eventLog.maxHttpBodyBytes,
        memberApi: (req, res, url, userId) =>
          handleSessionApi(req, res, url, eventLog, checkpoints, opts.eventLog.maxHttpBodyBytes, userId),
      }))
    );
  };

  const httpServer = createHttpServer((req, res) => {
    route(req, res).then(
      (handled) => {
        if (!handled) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'not found' }));
        }
      },
      (err: unknown) => {
        opts.logger.error({ err: String(err) }, 'http handler failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      },
    );
  });

  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    void upgrade(req, socket, head);
  });

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (closing) return refuse(socket, 503);
    const parsed = new URL(req.url ?? '/', 'http://localhost');
    const roomName = roomNameFromPath(parsed.pathname);
    if (roomName === null) return refuse(socket, 400);
    const { features, versionMismatch } = featuresFromQuery(parsed.searchParams);
    // Who, then whether they may read the room, and only then load it: a
    // refused caller never makes the server touch the store for a room ([A1]).
    const credential = credentialFromUpgrade(req, parsed);
    if (credential.kind === 'malformed') return refuse(socket, 400);
    const verified = await auth.verify(credential.kind === 'token' ? credential.token : null);
    if (!verified.ok) return refuse(socket, verified.failure === 'unavailable' ? 503 : 401);
    const userId = verified.principal.userId;
    let room;
    for (;;) {
      const generation = gate.generation;
      try {
        if (!(await gate.canRead(userId, roomName))) return refuse(socket, 403);
        // Load before the socket opens: a client must never sync against an empty doc
        // that only looks empty because storage has not answered yet ([P5]).
        room = await registry.acquire(roomName);
      } catch {
        return refuse(socket, 503);
      }
      if (socket.destroyed || closing) {
        registry.release(room);
        return;
      }
      // Nothing changed while we waited: the socket is admitted in this same
      // tick, before any later revocation runs, so that revocation will see it.
      if (gate.generation === generation) break;
      registry.release(room);
    }
    const identity = { userId, features };
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new Connection(ws, opts, registry, eventLog, gate, identity, (c) => connections.delete(c));
      connections.add(conn);
      if (versionMismatch) {
        registry.release(room);
        conn.close(CloseCode.UnsupportedVersion, `server speaks version ${PROTOCOL_VERSION}`);
        return;
      }
      conn.joinPrimary(room, lastSeenFromQuery(parsed.searchParams));
    });
  }

  function metrics(): ServerMetrics {
    let unsavedUpdates = 0;
    for (const room of registry.rooms()) unsavedUpdates += room.unsavedUpdates;
    return { rooms: registry.size, connections: connections.size, unsavedUpdates, memory: process.memoryUsage() };
  }

  return {
    get url() {
      return url;
    },
    httpServer,
    metrics,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          const addr = httpServer.address() as AddressInfo;
          const printable = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          url = `http://${printable}:${addr.port}`;
          resolve();
        });
      });
    },
    async close() {
      if (closing) return;
      closing = true;
      const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      for (const conn of connections) conn.close(CloseCode.GoingAway);
      eventLog.close();
      const { unsaved } = await registry.closeAll(SHUTDOWN_FLUSH_DEADLINE_MS);
      opts.logger.info({ unsaved }, 'rooms flushed');
      wss.close();
      httpServer.closeAllConnections();
      await stopped;
    },
  };
}
