import type { DropReason, Telemetry } from '../metrics/telemetry.ts';
import type { WsFrame } from './ws-frame.ts';

/** The raw stream under a WebSocket, as far as the outbox writes to it. */
export interface FrameStream {
  readonly destroyed: boolean;
  readonly writableLength: number;
  write(chunk: Buffer): boolean;
}

/**
 * Frames waiting for one socket. Frames queued while the event loop handles
 * one batch of I/O leave together, in one write, when that batch is done:
 * under load many messages arrive per batch, and each socket then costs one
 * system call for all of them instead of one per message. Idle, a frame
 * waits only for the callbacks already queued in the same turn.
 */
export class Outbox {
  private frames: WsFrame[] = [];
  private bytes = 0;
  private readonly stream: FrameStream;
  /** Checked at write time: frames queued before a close started must not follow the close frame. */
  private readonly mayWrite: () => boolean;
  /** Hears how many frames were written and how many never were: the delivery rate's two sides. */
  private readonly tally: Pick<Telemetry, 'framesDelivered' | 'framesDropped'>;

  constructor(stream: FrameStream, mayWrite: () => boolean, tally: Pick<Telemetry, 'framesDelivered' | 'framesDropped'>) {
    this.stream = stream;
    this.mayWrite = mayWrite;
    this.tally = tally;
  }

  /**
   * Bytes written earlier that the peer has not taken: the kernel's buffer
   * is full and the stream holds them. What is queued for this turn is not
   * counted: it has not been offered yet, and a burst that arrived in one
   * turn says nothing about the peer.
   */
  get stalledBytes(): number {
    return this.stream.writableLength;
  }

  /** Bytes queued this turn, not yet offered to the stream. */
  get queuedBytes(): number {
    return this.bytes;
  }

  push(frame: WsFrame): void {
    this.frames.push(frame);
    this.bytes += frame.byteLength;
    if (this.frames.length === 1) flushQueue.add(this);
  }

  /** Writes everything queued now. */
  flush(): void {
    const { frames, bytes } = this;
    if (frames.length === 0) return;
    this.frames = [];
    this.bytes = 0;
    if (this.stream.destroyed || !this.mayWrite()) {
      this.tally.framesDropped('closed', frames.length);
      return;
    }
    this.stream.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames, bytes));
    this.tally.framesDelivered(frames.length);
  }

  /** Forgets what is queued (the socket is gone, for `reason`). */
  discard(reason: DropReason): void {
    if (this.frames.length > 0) this.tally.framesDropped(reason, this.frames.length);
    this.frames = [];
    this.bytes = 0;
  }
}

/**
 * Outboxes with frames, flushed once the current turn's I/O callbacks have
 * run — or sooner, when the turn has gone on for more than `MAX_HOLD_MS`
 * since the first frame was queued: a turn full of other sockets' work (a
 * flood being throttled, a burst of joins) must not hold a waiting frame
 * back for longer than that.
 */
class FlushQueue {
  private pending: Outbox[] = [];
  private scheduled = false;
  private firstAt = 0;

  add(outbox: Outbox): void {
    this.pending.push(outbox);
    if (this.scheduled) {
      this.flushIfHeldTooLong();
      return;
    }
    this.scheduled = true;
    this.firstAt = performance.now();
    setImmediate(this.flushAll);
  }

  /** Called as each incoming message is handled, so that a long turn cannot hold frames back. */
  flushIfHeldTooLong(): void {
    if (this.pending.length > 0 && performance.now() - this.firstAt > MAX_HOLD_MS) this.flushNow();
  }

  private flushNow(): void {
    const pending = this.pending;
    this.pending = [];
    this.firstAt = performance.now();
    for (const outbox of pending) outbox.flush();
  }

  private readonly flushAll = (): void => {
    this.scheduled = false;
    this.flushNow();
  };
}

/**
 * Runs `fn` once the frames queued so far have been written: flushes run in
 * a setImmediate scheduled when their first frame was queued, and
 * setImmediate callbacks run in the order they were scheduled.
 */
export function afterFlush(fn: () => void): void {
  setImmediate(fn);
}

/** Longest a frame waits for the rest of its turn's I/O before it is written anyway. */
const MAX_HOLD_MS = 2;

const flushQueue = new FlushQueue();

/** See FlushQueue.flushIfHeldTooLong. */
export function flushIfHeldTooLong(): void {
  flushQueue.flushIfHeldTooLong();
}
