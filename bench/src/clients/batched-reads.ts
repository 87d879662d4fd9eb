import type { Socket } from 'node:net';

/** The libuv stream under a net.Socket: the only way to stop reading it without the stream restarting it. */
interface StreamHandle {
  reading: boolean;
  readStart(): number;
  readStop(): number;
}

const handleOf = (socket: Socket): StreamHandle | undefined => (socket as unknown as { _handle?: StreamHandle })._handle ?? undefined;

/**
 * Reads counting receivers' sockets in bursts, every `everyMs`, instead of
 * once for every segment the server sends. At thousands of moves a second the
 * generator's own kernel work — a wake-up and a read per socket per server
 * write, for 100 sockets — saturated its core before most servers did. A
 * remote client's reads cost the server nothing either, so reading late only
 * takes the generator out of the way. Latency is measured on the sampled
 * receivers, which keep reading at once.
 */
export class BatchedReads {
  private readonly sockets = new Set<Socket>();
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs: number) {
    this.timer = setInterval(() => this.burst(), everyMs);
    this.timer.unref();
  }

  add(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    // Read whatever is waiting now; from then on, in bursts.
    setImmediate(() => this.stop(socket));
  }

  /** Starts every socket reading; after this turn's I/O they stop again. */
  private burst(): void {
    for (const socket of this.sockets) this.start(socket);
    setImmediate(() => {
      for (const socket of this.sockets) this.stop(socket);
    });
  }

  private start(socket: Socket): void {
    const handle = handleOf(socket);
    // A destroyed socket has no handle left; the check only says so.
    if (!handle || handle.reading || socket.destroyed) return;
    handle.reading = true;
    handle.readStart();
  }

  private stop(socket: Socket): void {
    const handle = handleOf(socket);
    if (!handle?.reading || socket.destroyed) return;
    handle.reading = false;
    handle.readStop();
  }

  close(): void {
    clearInterval(this.timer);
    for (const socket of this.sockets) this.start(socket);
    this.sockets.clear();
  }
}
