import type { Ack } from '@dungeon-lab/events';
import { LogUnavailableError } from '../event-log/acks.ts';
import type { ForwardedIntents, InboxHandler, IntentInbox } from './intent-inbox.ts';

interface Serving {
  readonly inbox: InProcessInbox;
  readonly handler: InboxHandler;
}

/**
 * Who serves each session's inbox, shared by the in-process inboxes of one
 * process (or of a test's several pretend processes), and the forwards
 * waiting for someone to serve.
 */
export class InboxDesk {
  readonly #serving = new Map<string, Serving>();
  readonly #waiting = new Map<string, Set<() => void>>();

  serving(sessionId: string): Serving | undefined {
    return this.#serving.get(sessionId);
  }

  serve(sessionId: string, serving: Serving): void {
    this.#serving.set(sessionId, serving);
    const waiting = this.#waiting.get(sessionId);
    this.#waiting.delete(sessionId);
    for (const wake of waiting ?? []) wake();
  }

  stop(sessionId: string, serving: Serving): void {
    if (this.#serving.get(sessionId) === serving) this.#serving.delete(sessionId);
  }

  /** Calls `wake` once the session is served; the returned function forgets it. */
  wait(sessionId: string, wake: () => void): () => void {
    let waiting = this.#waiting.get(sessionId);
    if (waiting === undefined) {
      waiting = new Set();
      this.#waiting.set(sessionId, waiting);
    }
    waiting.add(wake);
    return () => {
      if (waiting.delete(wake) && waiting.size === 0 && this.#waiting.get(sessionId) === waiting) this.#waiting.delete(sessionId);
    };
  }
}

export interface InProcessInboxOptions {
  /** Shared with the inboxes of a test's other pretend processes; a fresh one by default. */
  readonly desk?: InboxDesk;
  /** How long a forward waits for someone to serve its session and answer ([IN3]). */
  readonly timeoutMs?: number;
}

/** The default inbox: on one process the lease holder is always this process, so a forward is a function call. */
export class InProcessInbox implements IntentInbox {
  readonly #desk: InboxDesk;
  readonly #timeoutMs: number;
  readonly #served = new Map<string, Serving>();
  /** Forwards of this process still waiting for a server, failed by close. */
  readonly #pending = new Set<(err: Error) => void>();
  #closed = false;

  constructor(options: InProcessInboxOptions = {}) {
    this.#desk = options.desk ?? new InboxDesk();
    this.#timeoutMs = options.timeoutMs ?? 5_000;
  }

  serve(sessionId: string, handler: InboxHandler): () => void {
    const serving: Serving = { inbox: this, handler };
    this.#served.set(sessionId, serving);
    this.#desk.serve(sessionId, serving);
    return () => {
      if (this.#served.get(sessionId) === serving) this.#served.delete(sessionId);
      this.#desk.stop(sessionId, serving);
    };
  }

  forward(batch: ForwardedIntents): Promise<Ack[]> {
    if (this.#closed) return Promise.reject(new LogUnavailableError('this process is shutting down'));
    return new Promise<Ack[]>((resolve, reject) => {
      const settle = (err: Error | null, acks?: Ack[]) => {
        clearTimeout(timer);
        forget();
        this.#pending.delete(fail);
        if (err === null) resolve(acks!);
        else reject(err);
      };
      const fail = (err: Error) => settle(err);
      const attempt = (): boolean => {
        const serving = this.#desk.serving(batch.sessionId);
        if (serving === undefined) return false;
        serving.handler(batch).then(
          (acks) => settle(null, acks),
          (err: unknown) => settle(err instanceof LogUnavailableError ? err : new LogUnavailableError(`the sequencing process failed: ${String(err)}`)),
        );
        return true;
      };
      let forget = () => {};
      const timer = setTimeout(() => fail(new LogUnavailableError(`no process sequences session ${batch.sessionId}`)), this.#timeoutMs);
      timer.unref();
      this.#pending.add(fail);
      if (!attempt()) forget = this.#desk.wait(batch.sessionId, () => void attempt());
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const [sessionId, serving] of this.#served) this.#desk.stop(sessionId, serving);
    this.#served.clear();
    for (const fail of [...this.#pending]) fail(new LogUnavailableError('this process is shutting down'));
  }
}
