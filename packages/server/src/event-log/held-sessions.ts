import { guarded } from '../boundary.ts';
import type { HolderHandler, HolderInbox } from '../inbox/holder-inbox.ts';
import type { LeaseGrant, SessionLease } from '../lease/session-lease.ts';
import type { Logger } from '../logger.ts';
import type { Telemetry } from '../metrics/telemetry.ts';
import type { SessionSequencer } from './session-sequencer.ts';

export interface HeldSessionsOptions {
  readonly lease: SessionLease;
  readonly logger: Logger;
  readonly telemetry: Pick<Telemetry, 'lease'>;
  /** Where the other processes' intents for the sessions held here arrive ([IN1]). */
  readonly inbox: HolderInbox;
  /** Builds (and recovers) the sequencer of a session whose lease this process has just taken. */
  readonly start: (sessionId: string) => Promise<SessionSequencer>;
  /** Answers the forwarded intents of a session held here, with its sequencer. */
  readonly serve: (sequencer: SessionSequencer) => HolderHandler;
  /** A session's lease was lost: whatever this process cached of its log is stale. */
  readonly onLost: (sessionId: string) => void;
}

interface Held {
  readonly grant: LeaseGrant;
  readonly sequencer: SessionSequencer;
  /** Ends serving the session's inbox. */
  readonly stopServing: () => void;
}

/**
 * The sessions this process sequences ([EL19]): a session's sequencer runs,
 * and serves the session's inbox for the other processes, only while the
 * process holds the session's lease, renewed well within its ttl. A lost
 * lease stops both; the next intent takes the lease again if it is free,
 * and starts a new sequencer from the store.
 */
export class HeldSessions {
  readonly #opts: HeldSessionsOptions;
  readonly #held = new Map<string, Held>();
  readonly #starting = new Map<string, Promise<SessionSequencer | null>>();
  /** Grants taken whose sequencer is still starting: renewed like the held ones, however long the start takes. */
  readonly #taken = new Map<string, LeaseGrant>();
  readonly #renewTimer: ReturnType<typeof setInterval> | null;
  readonly #stopListening: () => void;
  /** When the renewal loop last finished a pass; null once closed. */
  #lastRenewal: number | null = Date.now();
  #closed = false;

  constructor(opts: HeldSessionsOptions) {
    this.#opts = opts;
    this.#stopListening = opts.lease.onLost((grant) => this.#lost(grant));
    const { ttlMs } = opts.lease;
    this.#renewTimer = Number.isFinite(ttlMs) ? setInterval(guarded(opts.logger, 'lease renewal failed', () => this.#renewAll()), ttlMs / 3) : null;
    this.#renewTimer?.unref();
  }

  /** The session's running sequencer on this process, if it holds the lease. */
  held(sessionId: string): SessionSequencer | undefined {
    return this.#held.get(sessionId)?.sequencer;
  }

  /** The session's sequencer, starting one if the lease is free; null while another process holds it. */
  acquire(sessionId: string): Promise<SessionSequencer | null> {
    if (this.#closed) return Promise.resolve(null);
    const held = this.#held.get(sessionId);
    if (held !== undefined) return Promise.resolve(held.sequencer);
    let starting = this.#starting.get(sessionId);
    if (starting === undefined) {
      starting = this.#take(sessionId).finally(() => this.#starting.delete(sessionId));
      this.#starting.set(sessionId, starting);
    }
    return starting;
  }

  /**
   * Why the renewal loop is not keeping this process's leases alive, or null
   * when it is ([OPS2]): closed, or no pass completed within a ttl — past
   * that, every grant it holds may have expired.
   */
  renewalProblem(now = Date.now()): string | null {
    if (this.#lastRenewal === null) return 'lease loop stopped';
    const { ttlMs } = this.#opts.lease;
    if (Number.isFinite(ttlMs) && now - this.#lastRenewal > ttlMs) return `no lease renewal for ${now - this.#lastRenewal} ms`;
    return null;
  }

  /** Sessions held, for sweeping the idle ones. */
  sessions(): string[] {
    return Array.from(this.#held.keys());
  }

  /**
   * The store refused `sequencer`'s write: another process claimed the
   * session since ([EL24]). It stops as if its lease were lost, and gives the
   * lease up in case this process still holds it.
   */
  async drop(sequencer: SessionSequencer): Promise<void> {
    const held = this.#held.get(sequencer.sessionId);
    if (held?.sequencer !== sequencer) return;
    this.#stop(sequencer.sessionId, held, 'fenced');
    await this.#opts.lease.release(held.grant);
  }

  /** Stops the session's sequencer and gives its lease up, so another process may take it at once. */
  async release(sessionId: string): Promise<void> {
    const held = this.#held.get(sessionId);
    if (held === undefined) return;
    this.#held.delete(sessionId);
    held.stopServing();
    held.sequencer.stop();
    this.#opts.telemetry.lease('released', sessionId);
    await this.#opts.lease.release(held.grant);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#renewTimer !== null) clearInterval(this.#renewTimer);
    this.#lastRenewal = null;
    this.#stopListening();
    // A lease still being taken is given up once taken: left, nobody would renew or release it, and the next
    // process could not take the session (nor recover its documents) until it expired ([SL4]).
    await Promise.allSettled(this.#starting.values());
    for (const sessionId of this.sessions()) await this.release(sessionId);
  }

  async #take(sessionId: string): Promise<SessionSequencer | null> {
    const grant = await this.#opts.lease.acquire(sessionId);
    if (grant === null) return null;
    // Starting reads the store and recovers the session's documents, which may take longer than the lease's ttl:
    // unrenewed meanwhile, the grant would expire before it was ever used, on every attempt ([EL20]).
    this.#taken.set(sessionId, grant);
    let sequencer: SessionSequencer;
    try {
      sequencer = await this.#opts.start(sessionId);
    } catch (err) {
      await this.#opts.lease.release(grant);
      throw err;
    } finally {
      this.#taken.delete(sessionId);
    }
    // A loss reported while the sequencer was starting found nothing held: ask once more.
    if (!(await this.#opts.lease.renew(grant))) {
      sequencer.stop();
      return null;
    }
    const stopServing = this.#opts.inbox.serve(sessionId, this.#opts.serve(sequencer));
    this.#held.set(sessionId, { grant, sequencer, stopServing });
    this.#opts.telemetry.lease('acquired', sessionId);
    return sequencer;
  }

  #lost(grant: LeaseGrant): void {
    const held = this.#held.get(grant.sessionId);
    if (held === undefined || held.grant.epoch !== grant.epoch) return;
    this.#stop(grant.sessionId, held, 'lease lost');
  }

  /** Ends a sequencer this process did not give up: whatever it had not stored is the next holder's to replay. */
  #stop(sessionId: string, held: Held, why: 'lease lost' | 'fenced'): void {
    this.#held.delete(sessionId);
    held.stopServing();
    held.sequencer.stop();
    this.#opts.telemetry.lease('lost', sessionId);
    this.#opts.onLost(sessionId);
    this.#opts.logger.warn({ sessionId, epoch: held.grant.epoch, why }, 'lost the session: its sequencer stopped');
  }

  async #renewAll(): Promise<void> {
    // A false answer has already been reported through onLost.
    const grants = [...Array.from(this.#held.values(), ({ grant }) => grant), ...this.#taken.values()];
    await Promise.all(grants.map((grant) => this.#opts.lease.renew(grant)));
    if (this.#lastRenewal !== null) this.#lastRenewal = Date.now();
  }
}
