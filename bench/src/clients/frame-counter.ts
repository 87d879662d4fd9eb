import type { Socket } from 'node:net';

/** What the counter reports for each complete server frame. */
export interface FrameSink {
  /** A binary message; `payload` is a view valid only during the call. */
  message(payload: Buffer): void;
  /** The server closed the WebSocket (close frame). */
  closed(): void;
}

const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/**
 * Reads a client's WebSocket straight off its TCP socket, after the handshake
 * and the sync: frame headers are parsed in place and payloads handed over as
 * views, with no per-frame allocation and no events. `ws` spends a few
 * microseconds on each frame, which at 100 receivers and thousands of moves a
 * second is more than the server under test spends. Server frames are
 * unmasked and, from the servers measured here, never fragmented. Pings are
 * answered, as `ws` would.
 */
export class FrameCounter {
  private pending: Buffer | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly sink: FrameSink,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  private onData(chunk: Buffer): void {
    let buf = chunk;
    if (this.pending !== null) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let at = 0;
    while (buf.length - at >= 2) {
      const opcode = buf[at]! & 0x0f;
      const short = buf[at + 1]! & 0x7f;
      let header = 2;
      let length = short;
      if (short === 126) {
        if (buf.length - at < 4) break;
        header = 4;
        length = buf.readUInt16BE(at + 2);
      } else if (short === 127) {
        if (buf.length - at < 10) break;
        header = 10;
        length = buf.readUInt32BE(at + 2) * 0x1_0000_0000 + buf.readUInt32BE(at + 6);
      }
      if (buf.length - at < header + length) break;
      const payload = buf.subarray(at + header, at + header + length);
      at += header + length;
      if (opcode === OP_BINARY) this.sink.message(payload);
      else if (opcode === OP_PING) this.pong(payload);
      else if (opcode === OP_CLOSE) {
        this.sink.closed();
        return;
      }
    }
    if (at < buf.length) this.pending = Buffer.from(buf.subarray(at));
  }

  /** A client frame must be masked; an all-zero mask leaves the payload as it is. */
  private pong(payload: Buffer): void {
    const frame = Buffer.alloc(6 + payload.length);
    frame[0] = 0x80 | OP_PONG;
    frame[1] = 0x80 | payload.length;
    payload.copy(frame, 6);
    this.socket.write(frame);
  }
}
