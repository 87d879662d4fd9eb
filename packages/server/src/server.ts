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
import { userFromRequest } from './event-log/identity.ts';
import { handleHttp } from './http-routes.ts';
import { type ResolvedOptions, type ServerOptions, resolveOptions } from './options.ts';
import { RoomRegistry } from './room-registry.ts';
import { roomNameFromPath } from './room-name.ts';

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

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export function createServer(options: ServerOptions): DungeonLabServer {
  const opts: ResolvedOptions = resolveOptions(options);
  const registry = new RoomRegistry(opts);
  const plugins = new Map((options.plugins ?? []).map((p) => [p.id, p] as const));
  for (const plugin of plugins.values()) assertValidPlugin(plugin);
  const intents = createIntentRegistry([...(options.intents ?? []), ...Array.from(plugins.values()).flatMap((p) => p.intents)]);
  // Until the membership store lands, nobody has a role unless the embedder says so.
  const roleOf = options.roleOf ?? (async () => null);
  const eventLog = new EventLogService(opts, registry, intents, plugins, roleOf);
  const checkpoints = new Checkpoints(opts.store, (id) => eventLog.sequencer(id));
  registry.afterLoad = (room) => eventLog.afterRoomLoad(room);
  const connections = new Set<Connection>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxMessageBytes, perMessageDeflate: false });
  let url = '';
  let closing = false;

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    return (
      (await handleHttp(req, res, { ping: () => opts.store.ping(), metrics })) ||
      (await handleSessionApi(req, res, url, eventLog, checkpoints, opts.eventLog.maxHttpBodyBytes))
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
    if (closing) return refuse(socket, 503, 'Service Unavailable');
    const parsed = new URL(req.url ?? '/', 'http://localhost');
    const roomName = roomNameFromPath(parsed.pathname);
    if (roomName === null) return refuse(socket, 400, 'Bad Request');
    const { features, versionMismatch } = featuresFromQuery(parsed.searchParams);
    let room;
    try {
      // Load before the socket opens: a client must never sync against an empty doc
      // that only looks empty because storage has not answered yet ([P5]).
      room = await registry.acquire(roomName);
    } catch {
      return refuse(socket, 503, 'Service Unavailable');
    }
    if (socket.destroyed || closing) {
      registry.release(room);
      return;
    }
    const identity = { userId: userFromRequest(req, parsed), features };
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new Connection(ws, opts, registry, eventLog, identity, (c) => connections.delete(c));
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
