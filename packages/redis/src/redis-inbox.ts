import { randomUUID } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { type CommandTimer, type HolderAnswer, type HolderHandler, type HolderInbox, type HolderRequest, LogUnavailableError } from '@dungeon-lab/server';
import { RESP_TYPES } from 'redis';
import { closeRedis, IdleLoop, type RedisConnection, openSibling } from './connection.ts';
import { RedisBusError } from './errors.ts';
import { timed } from './timed.ts';

export interface RedisInboxOptions {
  /** A connected client; the inbox makes its reader and subscriber connections from it, and the caller closes it after the inbox. */
  readonly client: RedisConnection;
  /** Prefix of the inbox streams and reply channels ([RS1]). Default `dl`. */
  readonly prefix?: string;
  /** This process's consumer name and reply address; a random UUID by default. */
  readonly process?: string;
  /** How long a forward waits for an answer ([IN3]). Default 5 s. */
  readonly timeoutMs?: number;
  readonly onError?: (err: unknown) => void;
  /** Hears how long each command took (the server's `commandTimer(registry, 'redis')`); none by default. */
  readonly timer?: CommandTimer;
}

/** The consumer group every process's serving side joins: one holder reads a session's inbox at a time (the lease says who). */
const GROUP = 'sequencer';
/** A serving process reads again this often at least, so a session it starts serving is read within this long. */
const BLOCK_MS = 100;
const BUFFERS = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } } as const;

interface Waiting {
  readonly resolve: (answer: unknown) => void;
  readonly reject: (err: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** What comes back on the forwarder's reply channel, V8-serialized. */
type Reply = { readonly q: string; readonly answer: unknown } | { readonly q: string; readonly error: string };

/**
 * The holder inbox across processes on one Redis ([IN1]..[IN7], [RS7] in
 * docs/architecture.md): a stream per session, `<prefix>:inbox:<session>`,
 * read through one consumer group by the process serving the session; each
 * forward carries a request id and the forwarder's reply channel, and the
 * server publishes its answer there before it XACKs the entry. A session
 * served anew first claims what its last server read and never answered
 * (XAUTOCLAIM, idle 0: the lease has fenced that server off).
 */
export class RedisInbox implements HolderInbox {
  readonly process: string;
  readonly #client: RedisConnection;
  readonly #timer: CommandTimer | undefined;
  readonly #reader: RedisConnection;
  readonly #subscriber: RedisConnection;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #report: (err: unknown) => void;
  readonly #replyChannel: string;
  readonly #served = new Map<string, { readonly handler: HolderHandler; claimed: boolean }>();
  readonly #waiting = new Map<string, Waiting>();
  /** Sessions whose group this process has made sure of. */
  readonly #groups = new Set<string>();
  #closed = false;
  readonly #idle = new IdleLoop();
  readonly #loop: Promise<void>;

  private constructor(options: RedisInboxOptions, reader: RedisConnection, subscriber: RedisConnection) {
    this.#client = options.client;
    this.#timer = options.timer;
    this.#reader = reader;
    this.#subscriber = subscriber;
    this.process = options.process ?? randomUUID();
    this.#prefix = options.prefix ?? 'dl';
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#report = options.onError ?? ((err) => console.error('redis inbox:', err));
    this.#replyChannel = `${this.#prefix}:inbox-reply:${this.process}`;
    this.#loop = this.#read();
  }

  static async connect(options: RedisInboxOptions): Promise<RedisInbox> {
    const report = options.onError ?? ((err: unknown) => console.error('redis inbox:', err));
    const open = (role: string) => openSibling(options.client, `dl-inbox-${role}`, (err) => report(new RedisBusError(`inbox ${role} connection: ${String(err)}`, { cause: err })));
    const [reader, subscriber] = await Promise.all([open('reader'), open('subscriber')]);
    const inbox = new RedisInbox(options, reader, subscriber);
    await subscriber.subscribe(inbox.#replyChannel, (message) => inbox.#answer(message), true);
    return inbox;
  }

  serve(sessionId: string, handler: HolderHandler): () => void {
    const serving = { handler, claimed: false };
    this.#served.set(sessionId, serving);
    this.#idle.wake();
    return () => {
      if (this.#served.get(sessionId) === serving) this.#served.delete(sessionId);
    };
  }

  forward<R extends HolderRequest>(request: R): Promise<HolderAnswer<R>> {
    if (this.#closed) return Promise.reject(new LogUnavailableError('this process is shutting down'));
    const q = randomUUID();
    return new Promise<HolderAnswer<R>>((resolve, reject) => {
      const timer = setTimeout(() => this.#settle(q, new LogUnavailableError(`no process sequences session ${request.sessionId}`)), this.#timeoutMs);
      timer.unref();
      // The answer is the one the serving process's handler gave for this very request.
      this.#waiting.set(q, { resolve: (answer) => resolve(answer as HolderAnswer<R>), reject, timer });
      void this.#group(request.sessionId)
        .then(() => timed(this.#timer, 'XADD', () => this.#client.xAdd(this.#stream(request.sessionId), '*', { q, r: this.#replyChannel, b: serialize(request) })))
        .catch((err: unknown) => this.#settle(q, new LogUnavailableError(`forwarding to session ${request.sessionId} failed: ${String(err)}`)));
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#served.clear();
    this.#idle.wake();
    for (const q of [...this.#waiting.keys()]) this.#settle(q, new LogUnavailableError('this process is shutting down'));
    if (this.#reader.isOpen) this.#reader.destroy();
    await this.#loop;
    await closeRedis(this.#subscriber);
  }

  #stream(sessionId: string): string {
    return `${this.#prefix}:inbox:${sessionId}`;
  }

  /** The session's consumer group, made once, from the stream's start: a request forwarded before anyone served the session is read ([IN2]). */
  async #group(sessionId: string): Promise<void> {
    if (this.#groups.has(sessionId)) return;
    try {
      await this.#client.sendCommand(['XGROUP', 'CREATE', this.#stream(sessionId), GROUP, '0', 'MKSTREAM']);
    } catch (err) {
      if (!String(err).includes('BUSYGROUP')) throw err;
    }
    this.#groups.add(sessionId);
  }

  #settle(q: string, outcome: { readonly answer: unknown } | Error): void {
    const waiting = this.#waiting.get(q);
    if (waiting === undefined) return;
    this.#waiting.delete(q);
    clearTimeout(waiting.timer);
    if (outcome instanceof Error) waiting.reject(outcome);
    else waiting.resolve(outcome.answer);
  }

  #answer(message: Buffer): void {
    let reply: Reply;
    try {
      reply = deserialize(message) as Reply;
      if (typeof reply !== 'object' || reply === null || typeof reply.q !== 'string') throw new TypeError('no request id');
    } catch (err) {
      this.#report(new RedisBusError(`an inbox reply cannot be read: ${String(err)}`));
      return;
    }
    if ('error' in reply) this.#settle(reply.q, new LogUnavailableError(`the sequencing process failed: ${reply.error}`));
    else this.#settle(reply.q, { answer: reply.answer });
  }

  /** The serving side: every session served here, read through the group; one request at a time, in order. */
  async #read(): Promise<void> {
    while (!this.#closed) {
      if (this.#served.size === 0) {
        await this.#idle.wait();
        continue;
      }
      try {
        const sessions = [...this.#served.keys()];
        for (const sessionId of sessions) await this.#claim(sessionId);
        const reply = await this.#reader.sendCommand(
          ['XREADGROUP', 'GROUP', GROUP, this.process, 'COUNT', '100', 'BLOCK', String(BLOCK_MS), 'STREAMS', ...sessions.map((s) => this.#stream(s)), ...sessions.map(() => '>')],
          BUFFERS,
        );
        if (Array.isArray(reply)) {
          for (const block of reply as unknown[]) {
            if (!Array.isArray(block) || !Buffer.isBuffer(block[0]) || !Array.isArray(block[1])) continue;
            await this.#handleEntries(block[0].toString().slice(`${this.#prefix}:inbox:`.length), block[1] as unknown[]);
          }
        }
      } catch (err) {
        if (this.#closed) return;
        if (String(err).includes('NOGROUP')) this.#groupsLost();
        this.#report(new RedisBusError('reading the intent inboxes failed; reading again', { cause: err }));
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /**
   * Redis lost a served session's consumer group — it restarted empty, or
   * without the part of its AOF that made the group ([RS6]) — and would
   * answer NOGROUP to every read from now on: the groups are made again,
   * from the stream's start, and what is pending claimed, as when serving
   * begins. What was forwarded since the loss is then read ([RS9]).
   */
  #groupsLost(): void {
    for (const [sessionId, serving] of this.#served) {
      this.#groups.delete(sessionId);
      serving.claimed = false;
    }
  }

  /** Once per serving: what the session's last server read and never answered comes to this one first ([IN2], [IN4]). */
  async #claim(sessionId: string): Promise<void> {
    const serving = this.#served.get(sessionId);
    if (serving === undefined || serving.claimed) return;
    await this.#group(sessionId);
    const reply = await this.#reader.sendCommand(['XAUTOCLAIM', this.#stream(sessionId), GROUP, this.process, '0', '0-0', 'COUNT', '1000'], BUFFERS);
    serving.claimed = true;
    if (Array.isArray(reply) && Array.isArray(reply[1])) await this.#handleEntries(sessionId, reply[1] as unknown[]);
  }

  async #handleEntries(sessionId: string, entries: readonly unknown[]): Promise<void> {
    for (const entry of entries) {
      if (!Array.isArray(entry) || !Buffer.isBuffer(entry[0]) || !Array.isArray(entry[1])) continue;
      const id = entry[0].toString();
      const fields = new Map<string, Buffer>();
      for (let i = 0; i + 1 < entry[1].length; i += 2) fields.set(String(entry[1][i]), entry[1][i + 1] as Buffer);
      const serving = this.#served.get(sessionId);
      // No longer served here: left pending, for the next server's claim ([IN4]).
      if (serving === undefined) return;
      const q = fields.get('q')?.toString();
      const replyTo = fields.get('r')?.toString();
      const data = fields.get('b');
      if (q === undefined || replyTo === undefined || data === undefined) {
        this.#report(new RedisBusError(`malformed inbox entry ${id} of session ${sessionId}`));
        await this.#done(sessionId, id);
        continue;
      }
      let reply: Reply;
      try {
        reply = { q, answer: await serving.handler(deserialize(data) as HolderRequest) };
      } catch (err) {
        reply = { q, error: String(err) };
      }
      await timed(this.#timer, 'PUBLISH', () => this.#client.publish(replyTo, serialize(reply)));
      await this.#done(sessionId, id);
    }
  }

  /** An entry answered (or unreadable) is acknowledged and deleted: the stream holds only what is still to answer ([RS10]). */
  async #done(sessionId: string, id: string): Promise<void> {
    const stream = this.#stream(sessionId);
    await timed(this.#timer, 'XACK', () => Promise.all([this.#client.xAck(stream, GROUP, id), this.#client.xDel(stream, id)]));
  }
}
