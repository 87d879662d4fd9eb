import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createIntentRegistry } from '@dungeon-lab/events';
import { assertValidPlugin } from '@dungeon-lab/plugin-api';
import { ALL_FEATURES, CloseCode, PROTOCOL_VERSION, SIDECAR_QUERY_PARAM } from '@dungeon-lab/protocol';
import { StoreUnavailableError } from '@dungeon-lab/store';
import { Registry } from 'prom-client';
import { WebSocketServer } from 'ws';
import { Connection } from './connection.ts';
import { Checkpoints } from './event-log/checkpoints.ts';
import { EventLogService, secureRandom } from './event-log/event-log-service.ts';
import { eventLogRoutes } from './event-log/http-api.ts';
import { CheckpointNotFoundError } from './event-log/checkpoints.ts';
import { LogUnavailableError } from './event-log/acks.ts';
import { AuditAction, clip } from './audit/audit-entry.ts';
import { assetRoutes } from './assets/assets-http-api.ts';
import { auditRoutes } from './audit/audit-http-api.ts';
import { AuditLog } from './audit/audit-log.ts';
import { createAuthenticator } from './auth/authenticator.ts';
import { credentialFromUpgrade, selectSubprotocol } from './auth/credentials.ts';
import { devLoginRoutes } from './auth/dev-login-route.ts';
import { ClientErrors } from './http/client-errors.ts';
import { createDispatcher } from './http/dispatcher.ts';
import { NON_NEGATIVE, safeInteger } from './http/query-params.ts';
import { answerAndClose, rawErrorResponse } from './http/raw-response.ts';
import { parseRequestTarget } from './http/request-target.ts';
import { handshakeProblem } from './http/websocket-handshake.ts';
import { UNKNOWN_API_PATH } from './ops-routes.ts';
import { healthRoutes } from './health/health-routes.ts';
import type { ReadinessCheck } from './health/readiness-check.ts';
import { metricsRoutes } from './metrics/metrics-routes.ts';
import { PrometheusTelemetry } from './metrics/prometheus-telemetry.ts';
import { registerProcessMetrics } from './metrics/process-metrics.ts';
import type { RateLimitName } from './metrics/telemetry.ts';
import { clientAddress } from './limits/client-address.ts';
import { holdPendingUpgrade } from './limits/pending-upgrade.ts';
import { type Admission, type Slot, UpgradeLimiter } from './limits/upgrade-limiter.ts';
import { type ResolvedOptions, type ServerOptions, resolveOptions } from './options.ts';
import { RoomRegistry } from './room-registry.ts';
import { roomNameFromPath } from './room-name.ts';
import { Membership } from './sessions/membership.ts';
import { followRevocations } from './sessions/revoke-access.ts';
import { RoomGate } from './sessions/room-gate.ts';
import { roomScope, sessionOfScope } from './sessions/room-scope.ts';
import { sessionRoutes, UNKNOWN_SESSION_PATH } from './sessions/sessions-http-api.ts';
import { SessionRoles } from './write-rules/session-roles.ts';
import { webAppRoutes } from './web/web-app.ts';
import { writeGuardFor } from './write-rules/write-guard.ts';

export interface ServerMetrics {
  readonly rooms: number;
  readonly connections: number;
  readonly unsavedUpdates: number;
  readonly memory: NodeJS.MemoryUsage;
}

export interface DungeonLabServer {
  /** Starts listening; port 0 picks a free port. Resolves once bound. */
  listen(port?: number, host?: string): Promise<void>;
  /**
   * Turns `/readyz` to 503 while everything else keeps serving, so a load
   * balancer stops sending new clients before `close()` ([OPS3]).
   */
  drain(): void;
  /**
   * Stops listening, closes every socket with ServiceRestart (clients
   * reconnect at once, elsewhere), flushes every room to the store, then
   * gives up this process's session leases ([OPS3]).
   */
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

/** The last event sequence a reconnecting client saw (`seq` query parameter), if it is a safe integer. */
function lastSeenFromQuery(params: URLSearchParams): number | null {
  const raw = params.get('seq');
  return raw === null ? null : safeInteger(raw, NON_NEGATIVE);
}

/** Upgrade refusals are raw HTTP on the socket: the WebSocket never opens ([A1]). */
function refuse(socket: Duplex, status: number, error: string, retryAfterSeconds?: number): void {
  const headers: Record<string, string> = {};
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer realm="dungeon-lab"';
  // The only method a handshake can have.
  if (status === 405) headers.Allow = 'GET';
  if (retryAfterSeconds !== undefined) headers['Retry-After'] = String(retryAfterSeconds);
  answerAndClose(socket, rawErrorResponse(status, error, headers));
}

/** The limit an upgrade refusal stands for, by what was counted and why it was refused. */
function upgradeLimit(key: 'ip' | 'user', reason: Extract<Admission, { ok: false }>['reason']): RateLimitName {
  if (reason === 'too many connections') return key === 'ip' ? 'connections-per-ip' : 'connections-per-user';
  return key === 'ip' ? 'upgrades-per-ip' : 'upgrades-per-user';
}

export function createServer(options: ServerOptions): DungeonLabServer {
  // One registry per server, never prom-client's global one: several servers may share a process.
  const metricsRegistry = options.metrics?.registry ?? new Registry();
  if (options.metrics?.processMetrics !== false) registerProcessMetrics(metricsRegistry);
  const telemetry = new PrometheusTelemetry(
    metricsRegistry,
    { connections: () => connections.size, rooms: () => registry.size, unsavedUpdates },
    options.metrics?.backends ?? [{ name: 'store', probe: () => options.store.ping() }],
  );
  // Every refused write is counted and audited ([A…] in docs/security.md), then handed to the embedder's hook.
  const opts: ResolvedOptions = resolveOptions({
    ...options,
    onDenied: (denial) => {
      telemetry.writeRefused(denial.ruleId);
      audit.record(denial.sessionId, {
        actor: denial.userId,
        action: AuditAction.WriteRefused,
        outcome: 'denied',
        target: clip(denial.path ?? denial.room),
        detail: clip(denial.reason),
        ...(denial.ruleId !== null ? { data: { rule: denial.ruleId, room: denial.room } } : {}),
      });
      options.onDenied?.(denial);
    },
  }, telemetry);
  const registry = new RoomRegistry(opts);
  const plugins = new Map((options.plugins ?? []).map((p) => [p.id, p] as const));
  for (const plugin of plugins.values()) assertValidPlugin(plugin);
  const intents = createIntentRegistry([...(options.intents ?? []), ...Array.from(plugins.values()).flatMap((p) => p.intents)]);
  const auth = createAuthenticator(opts.auth, opts.store);
  const membership = new Membership({ store: opts.store, bus: opts.bus });
  // Write rules judge every table update synchronously: roles are read in as sockets are admitted.
  const roles = new SessionRoles(membership);
  const gate = roles.priming(new RoomGate(membership, opts.openRooms));
  const audit = new AuditLog({
    store: opts.store,
    logger: opts.logger,
    sessionExists: async (id) => (await membership.getSession(id)) !== null,
    denials: opts.limits.auditDenials,
  });
  const eventLog = new EventLogService({
    store: opts.store,
    logger: opts.logger,
    telemetry,
    options: opts.eventLog,
    registry,
    intents,
    plugins,
    roleOf: (sessionId, userId) => membership.roleOf(sessionId, userId),
    audit,
    bus: opts.bus,
    lease: opts.lease,
    inbox: opts.inbox,
    random: options.random ?? secureRandom,
  });
  const checkpoints = new Checkpoints(opts.store, (request) => eventLog.onHolder(request));
  registry.afterLoad = (room) => {
    room.setWriteGuard(writeGuardFor(room.name, roles));
    followRevocations(room);
    return eventLog.afterRoomLoad(room);
  };
  const connections = new Set<Connection>();
  const upgrades = new UpgradeLimiter(opts.limits);
  const ipOf = (req: IncomingMessage): string => clientAddress(req, opts.limits.trustProxy);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxMessageBytes,
    perMessageDeflate: false,
    handleProtocols: selectSubprotocol,
  });
  let url = '';
  let closing = false;
  let draining = false;
  const readiness: ReadinessCheck[] = [
    ...(options.readiness ?? [{ name: 'store', probe: () => opts.store.ping() }]),
    {
      name: 'leases',
      probe: async () => {
        const problem = eventLog.leaseLoopProblem();
        if (problem !== null) throw new Error(problem);
      },
    },
    {
      name: 'accepting',
      probe: async () => {
        if (draining || closing) throw new Error('shutting down');
      },
    },
  ];

  // One route table, one dispatcher (http/dispatcher.ts): first match wins, so the catch-alls go last.
  const dispatch = createDispatcher({
    routes: [
      ...healthRoutes(() => readiness, opts.logger),
      ...metricsRoutes(metricsRegistry, metrics),
      ...devLoginRoutes(auth),
      ...sessionRoutes({ membership, audit }),
      ...eventLogRoutes({ service: eventLog, checkpoints, audit }),
      ...auditRoutes(audit),
      ...assetRoutes({ store: opts.store, audit, limits: opts.assets }),
      UNKNOWN_SESSION_PATH,
      UNKNOWN_API_PATH,
      ...(options.web === undefined ? [] : webAppRoutes(options.web)),
    ],
    auth,
    membership,
    audit,
    ipOf,
    logger: opts.logger,
    maxBodyBytes: opts.eventLog.maxHttpBodyBytes,
    typedErrors: [
      [CheckpointNotFoundError, 404],
      [LogUnavailableError, 503],
      [StoreUnavailableError, 503],
    ],
    storeAvailable: () => opts.store.ping().then(() => true, () => false),
  });
  const clientErrors = new ClientErrors();
  // Anything ws still refuses when it completes a handshake is answered like every other refusal.
  wss.on('wsClientError', (err: Error, socket: Duplex) => refuse(socket, 400, err.message));

  // The request head is bounded in size and time before anything of ours runs ([F6]).
  const headLimits = {
    // The dispatcher and the handshake check answer a missing Host themselves, as { error }.
    requireHostHeader: false,
    maxHeaderSize: opts.limits.maxHeaderBytes,
    headersTimeout: opts.limits.headersTimeoutMs,
    requestTimeout: Math.max(300_000, opts.limits.headersTimeoutMs + 1),
    connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(opts.limits.headersTimeoutMs / 4))),
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    clientErrors.track(req, res);
    dispatch(req, res);
  };
  const httpServer = createHttpServer(headLimits, onRequest);
  // A request with an Expect Node does not know: the dispatcher answers it (417), not Node's bare default.
  httpServer.on('checkExpectation', onRequest);
  httpServer.on('clientError', (err: Error & { code?: string }, socket: Duplex) => clientErrors.answer(err, socket));
  // Without a listener Node cuts a CONNECT off unanswered.
  httpServer.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    answerAndClose(socket, rawErrorResponse(400, 'this server is not a proxy'));
  });

  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    // Everything an upgrade does is behind this catch: a failure answers 503 and never reaches the event loop.
    upgrade(req, socket, head).catch((err: unknown) => {
      opts.logger.error({ target: clip(req.url ?? ''), err: String(err), stack: (err as Error | null)?.stack }, 'upgrade failed');
      refuse(socket, 503, 'upgrade failed');
    });
  });

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const upgradeAt = performance.now();
    if (closing) return refuse(socket, 503, 'server shutting down');
    const ip = ipOf(req);
    // Slots are held from here until the socket closes, refused or not, so a
    // client cannot open more sockets by keeping upgrades pending ([F1]).
    const slots: Slot[] = [];
    const releaseSlots = () => {
      for (const slot of slots.splice(0)) slot.release();
    };
    socket.once('close', releaseSlots);
    const admitted = (admission: Admission, key: 'ip' | 'user', who: object): boolean => {
      if (admission.ok) {
        slots.push(admission.slot);
        return true;
      }
      telemetry.rateLimited(upgradeLimit(key, admission.reason));
      opts.logger.info({ ip, ...who, reason: admission.reason }, 'upgrade refused: limit');
      releaseSlots();
      refuse(socket, 429, admission.reason, admission.retryAfterSeconds);
      return false;
    };
    // Per address before anything else, the token included: refusing costs no signature check ([F2]).
    if (!admitted(upgrades.admitIp(ip), 'ip', {})) return;
    const malformed = handshakeProblem(req);
    if (malformed !== null) return refuse(socket, malformed.status, malformed.error);
    const pending = holdPendingUpgrade(socket, head, opts.limits.maxPendingUpgradeBytes, () => {
      opts.logger.info({ ip }, 'upgrade refused: data sent before the answer');
    });
    const parsed = parseRequestTarget(req.url);
    if (parsed === null) return refuse(socket, 400, 'request target is not a path or an http URL');
    const roomName = roomNameFromPath(parsed.pathname);
    if (roomName === null) return refuse(socket, 400, 'invalid room name');
    const { features, versionMismatch } = featuresFromQuery(parsed.searchParams);
    // Who, then whether they may read the room, and only then load it: a
    // refused caller never makes the server touch the store for a room ([A1]).
    const credential = credentialFromUpgrade(req, parsed);
    if (credential.kind === 'malformed') return refuse(socket, 400, credential.detail);
    const verified = await auth.verify(credential.kind === 'token' ? credential.token : null);
    if (!verified.ok) return refuse(socket, verified.failure === 'unavailable' ? 503 : 401, verified.detail);
    const userId = verified.principal.userId;
    if (socket.destroyed || !admitted(upgrades.admitUser(userId), 'user', { userId })) return;
    let room;
    for (;;) {
      const generation = gate.generation;
      try {
        if (!(await gate.canRead(userId, roomName))) {
          const sessionId = sessionOfScope(roomScope(roomName));
          if (sessionId !== null) {
            audit.record(sessionId, {
              actor: userId,
              action: AuditAction.RoomRefused,
              outcome: 'denied',
              target: clip(roomName),
              detail: 'upgrade',
              ip,
            });
          }
          return refuse(socket, 403, 'not allowed in this room');
        }
        // Load before the socket opens: a client must never sync against an empty doc
        // that only looks empty because storage has not answered yet ([P5]).
        room = await registry.acquire(roomName);
      } catch {
        return refuse(socket, 503, 'room unavailable');
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
    const identity = { userId, features, ip, upgradeAt };
    wss.handleUpgrade(req, socket, pending.take(), (ws) => {
      const conn = new Connection(ws, opts, registry, eventLog, gate, identity, audit, (c) => connections.delete(c));
      connections.add(conn);
      if (versionMismatch) {
        registry.release(room);
        conn.close(CloseCode.UnsupportedVersion, `server speaks version ${PROTOCOL_VERSION}`);
        return;
      }
      // The socket is open: a failure from here on is a close code, not an HTTP answer.
      try {
        conn.joinPrimary(room, lastSeenFromQuery(parsed.searchParams));
      } catch (err) {
        opts.logger.error({ room: roomName, err: String(err), stack: (err as Error).stack }, 'joining the room failed');
        conn.close(CloseCode.InternalError);
      }
    });
  }

  function unsavedUpdates(): number {
    let unsaved = 0;
    for (const room of registry.rooms()) unsaved += room.unsavedUpdates;
    return unsaved;
  }

  function metrics(): ServerMetrics {
    return { rooms: registry.size, connections: connections.size, unsavedUpdates: unsavedUpdates(), memory: process.memoryUsage() };
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
    drain() {
      draining = true;
    },
    async close() {
      if (closing) return;
      closing = true;
      const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      for (const conn of connections) conn.close(CloseCode.ServiceRestart);
      upgrades.close();
      const { unsaved } = await registry.closeAll(SHUTDOWN_FLUSH_DEADLINE_MS);
      opts.logger.info({ unsaved }, 'rooms flushed');
      // Only now: a process taking a session over must find its documents complete in the store.
      await eventLog.close();
      await audit.close();
      wss.close();
      httpServer.closeAllConnections();
      await stopped;
    },
  };
}
