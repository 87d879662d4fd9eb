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

  constructor(stream: FrameStream, mayWrite: () => boolean) {
    this.stream = stream;
    this.mayWrite = mayWrite;
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
    if (this.stream.destroyed || !this.mayWrite()) return;
    this.stream.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames, bytes));
  }

  /** Forgets what is queued (the socket is gone). */
  discard(): void {
    this.frames = [];
    this.bytes = 0;
  }
}

/** Outboxes with frames, flushed once the current turn's I/O callbacks have run. */
class FlushQueue {
  private pending: Outbox[] = [];
  private scheduled = false;

  add(outbox: Outbox): void {
    this.pending.push(outbox);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flushAll);
  }

  private readonly flushAll = (): void => {
    this.scheduled = false;
    const pending = this.pending;
    this.pending = [];
    for (const outbox of pending) outbox.flush();
  };
}

const flushQueue = new FlushQueue();
