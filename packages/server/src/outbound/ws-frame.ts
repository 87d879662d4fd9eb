import * as encoding from 'lib0/encoding';
import { presizedEncoder } from '../presized-encoder.ts';

/**
 * A complete server-to-client WebSocket frame (RFC 6455 §5.2: FIN, binary,
 * unmasked). Built once per message, it can be written as it is to every
 * socket that should get the message.
 */
export type WsFrame = Buffer & { readonly __wsFrame: true };

const FIN_BINARY = 0x82;
/** The longest frame header (64-bit length). */
const MAX_WS_HEADER = 10;
/** The longest varuint lib0 writes for a length (up to 2^53). */
const MAX_VARUINT = 8;

function wsHeaderLength(length: number): number {
  return length < 126 ? 2 : length < 0x10000 ? 4 : 10;
}

/** Writes the frame header for a payload of `length` bytes at `at`; returns its length. */
function writeWsHeader(frame: Buffer, at: number, length: number): number {
  const header = wsHeaderLength(length);
  frame[at] = FIN_BINARY;
  if (header === 2) {
    frame[at + 1] = length;
  } else if (header === 4) {
    frame[at + 1] = 126;
    frame.writeUInt16BE(length, at + 2);
  } else {
    frame[at + 1] = 127;
    // Lengths here are bounded by the message size limit, far below 2^53.
    frame.writeUInt32BE(Math.floor(length / 0x1_0000_0000), at + 2);
    frame.writeUInt32BE(length >>> 0, at + 6);
  }
  return header;
}

export function encodeWsFrame(message: Uint8Array): WsFrame {
  const length = message.byteLength;
  const frame = Buffer.allocUnsafe(wsHeaderLength(length) + length);
  frame.set(message, writeWsHeader(frame, 0, length));
  return frame as WsFrame;
}

/** The message inside a frame built by `encodeWsFrame` (a view, not a copy). */
export function wsFramePayload(frame: WsFrame): Uint8Array {
  const marker = frame[1]! & 0x7f;
  const header = marker < 126 ? 2 : marker === 126 ? 4 : 10;
  return frame.subarray(header);
}

function varUintLength(n: number): number {
  let length = 1;
  while (n > 0x7f) {
    n = Math.floor(n / 0x80);
    length++;
  }
  return length;
}

/**
 * Builds a large frame `prefix ‖ varuint(body length) ‖ body` (a message whose
 * last field is a length-prefixed byte array, e.g. a sync step 2) without
 * the intermediate copies: the body is written straight into the buffer that
 * becomes the frame. Write the body into `encoder`, then call `finish`.
 *
 * With a size hint at least as large as the body, the frame is one
 * allocation: the body lands behind room reserved for the header and the
 * prefix, which are filled in backwards once the body's length is known (the
 * frame is then a view of that buffer). Without one, or if the body outgrows
 * it, the encoder grows as lib0 encoders do and `finish` copies its pieces
 * once, into the frame — still no whole-message copy in between.
 */
export class WsFrameBuilder {
  readonly encoder: encoding.Encoder;
  private readonly reserved: number;
  private readonly prefix: Uint8Array;
  /** The buffer given to the encoder up front, with `reserved` bytes left free at its start. */
  private readonly buffer: ArrayBufferLike | null;

  constructor(prefix: Uint8Array, bodySizeHint: number) {
    this.prefix = prefix;
    this.reserved = MAX_WS_HEADER + prefix.byteLength + MAX_VARUINT;
    this.encoder = bodySizeHint > 0 ? presizedEncoder(this.reserved + bodySizeHint, this.reserved) : encoding.createEncoder();
    this.buffer = bodySizeHint > 0 ? this.encoder.cbuf.buffer : null;
  }

  finish(): WsFrame {
    const { encoder } = this;
    if (this.buffer !== null && encoder.bufs.length === 0 && encoder.cbuf.buffer === this.buffer) {
      // The body fits where it was written: header, prefix and length go in front of it.
      const bodyLength = encoder.cpos - this.reserved;
      const start = this.reserved - this.headLength(bodyLength);
      const frame = Buffer.from(this.buffer, start, encoder.cpos - start);
      this.writeHead(frame, bodyLength);
      return frame as WsFrame;
    }
    // The body outgrew the hint (or had none): its first piece starts after the reserved room.
    const pieces: Uint8Array[] = encoder.bufs.slice();
    pieces.push(encoder.cbuf.subarray(0, encoder.cpos));
    if (this.buffer !== null && pieces[0]!.buffer === this.buffer) pieces[0] = pieces[0]!.subarray(this.reserved);
    let bodyLength = 0;
    for (const piece of pieces) bodyLength += piece.byteLength;
    const frame = Buffer.allocUnsafe(this.headLength(bodyLength) + bodyLength);
    let at = this.writeHead(frame, bodyLength);
    for (const piece of pieces) {
      frame.set(piece, at);
      at += piece.byteLength;
    }
    return frame as WsFrame;
  }

  /** Bytes in front of a body of `bodyLength`: frame header, prefix and the body's length. */
  private headLength(bodyLength: number): number {
    const messageLength = this.prefix.byteLength + varUintLength(bodyLength) + bodyLength;
    return wsHeaderLength(messageLength) + messageLength - bodyLength;
  }

  /** Writes the frame header, the prefix and the body's length at the start of `frame`; returns where the body goes. */
  private writeHead(frame: Buffer, bodyLength: number): number {
    const messageLength = this.prefix.byteLength + varUintLength(bodyLength) + bodyLength;
    let at = writeWsHeader(frame, 0, messageLength);
    frame.set(this.prefix, at);
    at += this.prefix.byteLength;
    return writeVarUintAt(frame, at, bodyLength);
  }
}

/** lib0's varuint (7 bits per byte, little end first); returns the position after it. */
function writeVarUintAt(target: Uint8Array, at: number, n: number): number {
  while (n > 0x7f) {
    target[at++] = 0x80 | (n % 0x80);
    n = Math.floor(n / 0x80);
  }
  target[at++] = n;
  return at;
}
