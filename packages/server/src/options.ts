import type { IntentDefinition } from '@dungeon-lab/events';
import type { GameSystemPlugin } from '@dungeon-lab/plugin-api';
import type { Store } from '@dungeon-lab/store';
import type { AssetLimits } from './assets/assets-http-api.ts';
import type { AuthOptions } from './auth/auth-options.ts';
import { InProcessBus } from './bus/in-process-bus.ts';
import type { RoomBus } from './bus/room-bus.ts';
import { InProcessInbox } from './inbox/in-process-inbox.ts';
import type { HolderInbox } from './inbox/holder-inbox.ts';
import type { ReadinessCheck } from './health/readiness-check.ts';
import { InProcessLease } from './lease/in-process-lease.ts';
import type { SessionLease } from './lease/session-lease.ts';
import { type LimitOptions, resolveLimits } from './limits/limit-options.ts';
import type { RateLimit } from './limits/token-bucket.ts';
import { type Logger, silentLogger } from './logger.ts';
import type { MetricsOptions } from './metrics/metrics-options.ts';
import type { Telemetry } from './metrics/telemetry.ts';
import type { WebAppOptions } from './web/web-app.ts';
import type { WriteDenial } from './write-rules/write-guard.ts';

export interface CompactionOptions {
  /**
   * Merge a room's rows into one snapshot once this many update rows have
   * accumulated — and they weigh an eighth of the snapshot, or are 20 times this
   * many: a large document is not rewritten for a few hundred token moves.
   */
  readonly afterUpdates: number;
  /** …or once the rows since the last snapshot exceed this many bytes. */
  readonly afterBytes: number;
}

export interface EventLogOptions {
  /** Per-user token bucket for intents ([EL11]); Infinity in either field turns it off. */
  readonly rateLimit: RateLimit;
  /** Entries kept in memory per session for catch-up and dedupe (the seed's 1000 / 1 hour). */
  readonly hotEntries: number;
  readonly hotMaxAgeMs: number;
  /** Intents accepted in one socket message. */
  readonly maxIntentsPerMessage: number;
  /** Largest JSON body accepted by the HTTP API. */
  readonly maxHttpBodyBytes: number;
  /** Intents a session may have waiting; beyond it new ones are rejected as rate-limited. */
  readonly maxQueuedPerSession: number;
}

export interface ServerOptions {
  readonly store: Store;
  /**
   * How this process hears about changes made by others, and its rooms' sockets about every
   * change ([BUS1]..[BUS7]); an in-process bus by default. The caller closes what it passes.
   */
  readonly bus?: RoomBus;
  /** Which process sequences each session ([SL1]..[SL7]); an in-process lease by default. */
  readonly lease?: SessionLease;
  /** How intents reach the lease holder from the other processes ([IN1]..[IN7]); an in-process inbox by default. */
  readonly inbox?: HolderInbox;
  readonly logger?: Logger;
  /**
   * What `/readyz` asks of the backends ([OPS2]): by default the store's
   * ping as `store`; a deployment names its own (`mongo`, `redis`). The
   * server adds `leases` and `accepting` itself.
   */
  readonly readiness?: readonly ReadinessCheck[];
  /** Largest accepted WebSocket message; larger ones close the socket with MessageTooBig. */
  readonly maxMessageBytes?: number;
  /**
   * Largest Yjs update a client may send (sync step 2 or update, bare or in
   * an envelope); a larger one closes the socket with UpdateTooLarge ([F5]).
   */
  readonly maxUpdateBytes?: number;
  /** Connection, rate and pre-authentication limits (docs/security.md, "Limits"); unset fields keep their defaults. */
  readonly limits?: Partial<LimitOptions>;
  /** Rooms one socket may hold open (its URL room plus multiplexed ones). */
  readonly maxRoomsPerConnection?: number;
  /**
   * Bytes a socket may have queued but unsent before it is closed as a slow
   * consumer. It resyncs on reconnect, so dropping it loses nothing and keeps
   * server memory bounded.
   */
  readonly maxBufferedBytes?: number;
  /** How long a room stays in memory after its last client left. */
  readonly evictAfterMs?: number;
  /** Period of drift-detection checksums sent to sidecar clients; 0 disables them. */
  readonly checksumIntervalMs?: number;
  readonly compaction?: Partial<CompactionOptions>;
  /** Delay before a failed store write is retried (doubles up to 30 s). */
  readonly writeRetryMs?: number;
  /**
   * How long a room waits for a peer process to say it stored an update it
   * published before storing it itself ([OR3]): well past a group commit, so
   * a live peer is almost never doubled, short enough that members of a
   * process that died mid-write stop waiting for `saved` soon.
   */
  readonly adoptPeerWritesAfterMs?: number;
  /**
   * Length of an anti-entropy round ([OR4], [OR5]): a room that changed
   * lately publishes its digest this often, a peer behind a round later is
   * sent what it lacks, and what no write stored two rounds on is stored.
   * Longer than a bus delivery under load; 0 turns both off.
   */
  readonly antiEntropyMs?: number;
  /** Grace period for a closing handshake before the socket is destroyed. */
  readonly closeGraceMs?: number;
  /**
   * Called between the two compaction steps (snapshot written, merged rows not
   * yet deleted). Exists so crash tests can kill the process at exactly that point.
   */
  readonly onCompactionSnapshotWritten?: (room: string) => void | Promise<void>;
  /** Intent types beyond the core ones (chat:message, dice:roll, token:move). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- definitions differ in payload type
  readonly intents?: readonly IntentDefinition<any>[];
  readonly eventLog?: Partial<EventLogOptions>;
  /** Game systems: their intents are registered under `plugin:<id>:…` and their rules decide critical intents. */
  readonly plugins?: readonly GameSystemPlugin[];
  /**
   * Where dice come from: uniform draws in [0, 1). The OS CSPRNG by default
   * (no client can predict a roll); a fixed sequence only for tests that
   * need known rolls (apps/server's `DICE_FIXED`).
   */
  readonly random?: () => number;
  /** How callers are authenticated (docs/security.md); default `{ mode: 'development' }`. */
  readonly auth?: AuthOptions;
  /**
   * Rooms outside `sessions/` accept any valid token, no membership needed
   * ([A13]). Off by default: such rooms are then refused with 403. For tests
   * and benchmarks of stock y-websocket behaviour on arbitrary rooms.
   */
  readonly openRooms?: boolean;
  /**
   * Called for every client update the table's write rules refused, after
   * its sender was told (docs/security.md, [W…]); for the audit log.
   */
  readonly onDenied?: (denial: WriteDenial) => void;
  /**
   * Serve the browser app's built files from `root` ([WEB1]..[WEB5] in
   * docs/api.md); without it the server answers the API and rooms only.
   */
  readonly web?: WebAppOptions;
  /** Sizes of uploaded images, one and per session ([API11]); unset fields keep their defaults. */
  readonly assets?: Partial<AssetLimits>;
  /** The registry `GET /metrics` serves and what it probes (docs/operations.md, "Metrics and alerts"). */
  readonly metrics?: MetricsOptions;
}

export interface ResolvedOptions {
  readonly store: Store;
  readonly bus: RoomBus;
  readonly lease: SessionLease;
  readonly inbox: HolderInbox;
  readonly logger: Logger;
  readonly maxMessageBytes: number;
  readonly maxUpdateBytes: number;
  readonly limits: LimitOptions;
  readonly maxRoomsPerConnection: number;
  readonly maxBufferedBytes: number;
  readonly evictAfterMs: number;
  readonly checksumIntervalMs: number;
  readonly compaction: CompactionOptions;
  readonly writeRetryMs: number;
  readonly adoptPeerWritesAfterMs: number;
  readonly antiEntropyMs: number;
  readonly closeGraceMs: number;
  readonly onCompactionSnapshotWritten: ((room: string) => void | Promise<void>) | undefined;
  readonly eventLog: EventLogOptions;
  readonly auth: AuthOptions;
  readonly openRooms: boolean;
  readonly onDenied: ((denial: WriteDenial) => void) | undefined;
  readonly assets: AssetLimits;
  /** Where every module reports what the metrics count. */
  readonly telemetry: Telemetry;
}

export const DEFAULT_OPTIONS = {
  maxMessageBytes: 32 * 1024 * 1024,
  maxUpdateBytes: 8 * 1024 * 1024,
  maxRoomsPerConnection: 16,
  maxBufferedBytes: 16 * 1024 * 1024,
  evictAfterMs: 30_000,
  checksumIntervalMs: 10_000,
  compaction: { afterUpdates: 500, afterBytes: 4 * 1024 * 1024 },
  writeRetryMs: 250,
  adoptPeerWritesAfterMs: 5_000,
  antiEntropyMs: 3_000,
  closeGraceMs: 2_000,
  eventLog: {
    rateLimit: { burst: 30, perSecond: 10 },
    hotEntries: 1000,
    hotMaxAgeMs: 60 * 60 * 1000,
    maxIntentsPerMessage: 50,
    maxHttpBodyBytes: 1024 * 1024,
    maxQueuedPerSession: 5_000,
  },
  assets: { maxBytes: 20 * 1024 * 1024, maxSessionBytes: 500 * 1024 * 1024 },
} as const;

export function resolveOptions(options: ServerOptions, telemetry: Telemetry): ResolvedOptions {
  const logger = options.logger ?? silentLogger;
  return {
    store: options.store,
    bus: options.bus ?? new InProcessBus({ onError: (err, message) => logger.error({ kind: message.kind, err: String(err), stack: (err as Error | null)?.stack }, 'room bus subscriber failed') }),
    lease: options.lease ?? new InProcessLease(),
    inbox: options.inbox ?? new InProcessInbox(),
    logger,
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_OPTIONS.maxMessageBytes,
    maxUpdateBytes: options.maxUpdateBytes ?? DEFAULT_OPTIONS.maxUpdateBytes,
    limits: resolveLimits(options.limits),
    maxRoomsPerConnection: options.maxRoomsPerConnection ?? DEFAULT_OPTIONS.maxRoomsPerConnection,
    maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_OPTIONS.maxBufferedBytes,
    evictAfterMs: options.evictAfterMs ?? DEFAULT_OPTIONS.evictAfterMs,
    checksumIntervalMs: options.checksumIntervalMs ?? DEFAULT_OPTIONS.checksumIntervalMs,
    compaction: { ...DEFAULT_OPTIONS.compaction, ...options.compaction },
    writeRetryMs: options.writeRetryMs ?? DEFAULT_OPTIONS.writeRetryMs,
    adoptPeerWritesAfterMs: options.adoptPeerWritesAfterMs ?? DEFAULT_OPTIONS.adoptPeerWritesAfterMs,
    antiEntropyMs: options.antiEntropyMs ?? DEFAULT_OPTIONS.antiEntropyMs,
    closeGraceMs: options.closeGraceMs ?? DEFAULT_OPTIONS.closeGraceMs,
    onCompactionSnapshotWritten: options.onCompactionSnapshotWritten,
    eventLog: { ...DEFAULT_OPTIONS.eventLog, ...options.eventLog },
    auth: options.auth ?? { mode: 'development' },
    openRooms: options.openRooms ?? false,
    onDenied: options.onDenied,
    assets: { ...DEFAULT_OPTIONS.assets, ...options.assets },
    telemetry,
  };
}
