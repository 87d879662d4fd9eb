import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { WRITE_RULES } from '../write-rules/rules-table.ts';
import { CHECK_TIMEOUT_MS, withinTimeout } from '../health/readiness.ts';
import type { ReadinessCheck } from '../health/readiness-check.ts';
import { LATENCY_BUCKETS } from './buckets.ts';
import type {
  DriftKind,
  DropReason,
  IntentOutcome,
  LeaseChange,
  LogRecord,
  RateLimitName,
  SyncStage,
  Telemetry,
} from './telemetry.ts';

/** What the gauges read at each scrape. */
export interface MetricSources {
  readonly connections: () => number;
  readonly rooms: () => number;
  readonly unsavedUpdates: () => number;
}

const DROP_REASONS: readonly DropReason[] = ['closed', 'slow-consumer'];
const SYNC_STAGES: readonly SyncStage[] = ['fanout', 'saved'];
const DRIFT_KINDS: readonly DriftKind[] = ['client-resync', 'log-replay', 'peer-update-failed', 'peer-behind', 'unstored'];
const INTENT_OUTCOMES: readonly IntentOutcome[] = ['accepted', 'conflict', 'refused'];
const LOG_RECORDS: readonly LogRecord[] = ['entry', 'rejection'];
const LEASE_CHANGES: readonly LeaseChange[] = ['acquired', 'released', 'lost', 'takeover'];
const RATE_LIMITS: readonly RateLimitName[] = [
  'connections-per-ip',
  'connections-per-user',
  'upgrades-per-ip',
  'upgrades-per-user',
  'socket-messages',
  'intents-per-user',
  'session-queue',
];
/** The `rule` label of a refusal no rule decided (an update that could not be analysed, a sender who is no member). */
const NO_RULE = 'none';

const seconds = (since: number): number => (performance.now() - since) / 1000;

function probe(backend: ReadinessCheck): Promise<boolean> {
  // Not answered within readiness's own timeout, a backend counts as down for that scrape (a scrape times out at 10 s).
  return withinTimeout(backend, CHECK_TIMEOUT_MS).then((result) => result === 'ok');
}

/**
 * The server's metrics on one prom-client registry (every name, type and
 * label is listed in docs/operations.md). Frame counts are the hottest
 * reports — one per frame to every socket — so they are plain numbers here,
 * copied into their counters when the registry is scraped.
 */
export class PrometheusTelemetry implements Telemetry {
  #attempted = 0;
  #delivered = 0;
  readonly #dropped: Record<DropReason, number> = { closed: 0, 'slow-consumer': 0 };
  /** Sessions this process sequences: the only ones with an intent series of their own. */
  readonly #held = new Set<string>();
  readonly #sync: Histogram<'stage'>;
  readonly #reconnect: Histogram;
  readonly #drift: Counter<'kind'>;
  readonly #intents: Counter<'session' | 'outcome'>;
  readonly #logBytes: Counter<'record'>;
  readonly #docBytes: Counter;
  readonly #lease: Counter<'change'>;
  readonly #rateLimited: Counter<'limit'>;
  readonly #writeRefused: Counter<'rule'>;

  constructor(registry: Registry, sources: MetricSources, backends: readonly ReadinessCheck[]) {
    const registers = [registry];
    const tallies = { attempted: () => this.#attempted, delivered: () => this.#delivered };
    for (const [which, read] of Object.entries(tallies)) {
      new Counter({
        name: `dungeonlab_messages_${which}_total`,
        help:
          which === 'attempted'
            ? 'Server-to-client frames offered to a socket'
            : "Server-to-client frames written to a socket's TCP stream",
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    }
    const dropped = this.#dropped;
    new Counter({
      name: 'dungeonlab_messages_dropped_total',
      help: 'Frames offered to a socket and never written, by reason',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const reason of DROP_REASONS) this.inc({ reason }, dropped[reason]);
      },
    });
    this.#sync = new Histogram({
      name: 'dungeonlab_sync_latency_seconds',
      help: "A client update's arrival on its socket until it was written to this process's sockets (fanout) or its saved message was (saved)",
      labelNames: ['stage'],
      buckets: [...LATENCY_BUCKETS],
      registers,
    });
    for (const stage of SYNC_STAGES) this.#sync.zero({ stage });
    this.#reconnect = new Histogram({
      name: 'dungeonlab_reconnect_recovery_seconds',
      help: 'A returning client (its first sync step 1 not empty): its upgrade request until its sync step 2 was written',
      buckets: [...LATENCY_BUCKETS],
      registers,
    });
    this.#drift = zeroed(
      new Counter({ name: 'dungeonlab_drift_incidents_total', help: 'State drift detected, by kind', labelNames: ['kind'], registers }),
      'kind',
      DRIFT_KINDS,
    );
    this.#intents = new Counter({
      name: 'dungeonlab_intents_total',
      help: 'Intents judged by the sequencers of the sessions this process holds, by session and outcome',
      labelNames: ['session', 'outcome'],
      registers,
    });
    this.#logBytes = zeroed(
      new Counter({ name: 'dungeonlab_event_log_appended_bytes_total', help: 'Bytes appended to event logs, by record', labelNames: ['record'], registers }),
      'record',
      LOG_RECORDS,
    );
    this.#docBytes = new Counter({ name: 'dungeonlab_doc_update_stored_bytes_total', help: 'Bytes of document updates appended to the store', registers });
    this.#lease = zeroed(
      new Counter({ name: 'dungeonlab_session_lease_changes_total', help: 'Session lease changes of this process', labelNames: ['change'], registers }),
      'change',
      LEASE_CHANGES,
    );
    const held = this.#held;
    new Gauge({
      name: 'dungeonlab_session_leases_held',
      help: 'Sessions whose lease this process holds',
      registers,
      collect() {
        this.set(held.size);
      },
    });
    this.#rateLimited = zeroed(
      new Counter({ name: 'dungeonlab_rate_limit_refusals_total', help: 'Refusals of a rate or connection limit, by limit', labelNames: ['limit'], registers }),
      'limit',
      RATE_LIMITS,
    );
    this.#writeRefused = zeroed(
      new Counter({ name: 'dungeonlab_write_refusals_total', help: 'Client updates refused by the write rules, by rule id', labelNames: ['rule'], registers }),
      'rule',
      [...WRITE_RULES.map((r) => r.id), NO_RULE],
    );
    const gauges: ReadonlyArray<[string, string, () => number]> = [
      ['dungeonlab_connections', 'Open WebSocket connections', sources.connections],
      ['dungeonlab_rooms_loaded', 'Rooms (documents) loaded in memory', sources.rooms],
      ['dungeonlab_unsaved_updates', 'Document updates accepted but not yet durably stored', sources.unsavedUpdates],
    ];
    for (const [name, help, read] of gauges) {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    }
    new Gauge({
      name: 'dungeonlab_backend_up',
      help: 'Whether a backend answered a ping at this scrape (1) or not within 2 s (0)',
      labelNames: ['backend'],
      registers,
      async collect() {
        const answers = await Promise.all(backends.map(probe));
        backends.forEach((b, i) => this.set({ backend: b.name }, answers[i] ? 1 : 0));
      },
    });
  }

  framesAttempted(frames: number): void {
    this.#attempted += frames;
  }

  framesDelivered(frames: number): void {
    this.#delivered += frames;
  }

  framesDropped(reason: DropReason, frames: number): void {
    this.#dropped[reason] += frames;
  }

  syncLatency(stage: SyncStage, receivedAt: number): void {
    this.#sync.observe({ stage }, seconds(receivedAt));
  }

  reconnectRecovered(upgradeAt: number): void {
    this.#reconnect.observe(seconds(upgradeAt));
  }

  driftIncident(kind: DriftKind): void {
    this.#drift.inc({ kind });
  }

  intentJudged(sessionId: string, outcome: IntentOutcome): void {
    // A job that was running when the lease went finishes; its session's series is gone and stays gone.
    if (this.#held.has(sessionId)) this.#intents.inc({ session: sessionId, outcome });
  }

  eventLogAppended(record: LogRecord, bytes: number): void {
    this.#logBytes.inc({ record }, bytes);
  }

  docUpdatesStored(bytes: number): void {
    this.#docBytes.inc(bytes);
  }

  lease(change: LeaseChange, sessionId: string): void {
    this.#lease.inc({ change });
    if (change === 'acquired') {
      this.#held.add(sessionId);
      for (const outcome of INTENT_OUTCOMES) this.#intents.inc({ session: sessionId, outcome }, 0);
    } else if (change === 'released' || change === 'lost') {
      // Series per session exist only while this process sequences it: their number is bounded by the leases held.
      this.#held.delete(sessionId);
      for (const outcome of INTENT_OUTCOMES) this.#intents.remove({ session: sessionId, outcome });
    }
  }

  rateLimited(limit: RateLimitName): void {
    this.#rateLimited.inc({ limit });
  }

  writeRefused(rule: string | null): void {
    this.#writeRefused.inc({ rule: rule ?? NO_RULE });
  }
}

/** Every value of the label present from the start at 0, so a ratio or an increase has both sides before the first event. */
function zeroed<L extends string>(counter: Counter<L>, label: L, values: readonly string[]): Counter<L> {
  for (const value of values) counter.inc({ [label]: value } as Partial<Record<L, string>>, 0);
  return counter;
}
