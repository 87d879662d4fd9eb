/**
 * Small images written byte by byte, for tests of what reads image headers
 * (the server's uploads, [API11]): a complete PNG any decoder opens, and
 * JPEG and WebP files whose headers are exactly what their specs say, with
 * as little else as the format lets. No image library: every byte is here.
 */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function u16be(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  return Buffer.concat([u32be(data.byteLength), typed, u32be(crc32(typed))]);
}

/**
 * A complete PNG (8-bit RGB, every pixel `rgb`), `padding` bytes of an
 * ancillary chunk making it as large as a test needs.
 */
export function pngImage(width: number, height: number, { rgb = [40, 90, 160], padding = 0 }: { rgb?: readonly number[]; padding?: number } = {}): Uint8Array<ArrayBuffer> {
  const ihdr = Buffer.concat([u32be(width), u32be(height), Buffer.from([8, 2, 0, 0, 0])]);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  const extra = padding > 0 ? [pngChunk('tEXt', Buffer.concat([Buffer.from('Comment\0', 'latin1'), Buffer.alloc(padding, 0x61)]))] : [];
  return new Uint8Array(
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), ...extra, pngChunk('IDAT', pixels), pngChunk('IEND', new Uint8Array(0))]),
  );
}

/**
 * A baseline JPEG's header (ITU T.81): SOI, a JFIF APP0 segment, a comment
 * (fill bytes before its marker, as encoders may write), then the frame
 * header SOF0 (or `sof`, any SOFn) with three components, and EOI.
 */
export function jpegImage(width: number, height: number, { sof = 0xc0 }: { sof?: number } = {}): Uint8Array<ArrayBuffer> {
  const segment = (marker: number, body: Uint8Array) => Buffer.concat([Buffer.from([0xff, marker]), u16be(body.byteLength + 2), body]);
  const jfif = segment(0xe0, Buffer.from([0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]));
  const comment = Buffer.concat([Buffer.from([0xff, 0xff]), segment(0xfe, Buffer.from('made by hand', 'latin1'))]);
  const components = [1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  const frame = segment(sof, Buffer.concat([Buffer.from([8]), u16be(height), u16be(width), Buffer.from([3, ...components])]));
  return new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xd8]), jfif, comment, frame, Buffer.from([0xff, 0xd9])]));
}

function riff(chunk: string, data: Uint8Array): Uint8Array<ArrayBuffer> {
  const padded = data.byteLength % 2 === 1 ? Buffer.concat([data, Buffer.from([0])]) : Buffer.from(data);
  const body = Buffer.concat([Buffer.from('WEBP', 'latin1'), Buffer.from(chunk, 'latin1'), u32le(data.byteLength), padded]);
  return new Uint8Array(Buffer.concat([Buffer.from('RIFF', 'latin1'), u32le(body.byteLength), body]));
}

/** A lossy WebP's header: a key frame's tag, its start code and 14-bit sizes (`VP8 `). */
export function webpLossyImage(width: number, height: number): Uint8Array<ArrayBuffer> {
  const frameTag = Buffer.from([0x10, 0x02, 0x00]);
  const start = Buffer.from([0x9d, 0x01, 0x2a]);
  const size = Buffer.alloc(4);
  size.writeUInt16LE(width & 0x3fff, 0);
  size.writeUInt16LE(height & 0x3fff, 2);
  return riff('VP8 ', Buffer.concat([frameTag, start, size, Buffer.alloc(10)]));
}

/** A lossless WebP's header: signature 0x2F, then width − 1 and height − 1 in 14 bits each (`VP8L`). */
export function webpLosslessImage(width: number, height: number): Uint8Array<ArrayBuffer> {
  const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14);
  return riff('VP8L', Buffer.concat([Buffer.from([0x2f]), u32le(bits), Buffer.alloc(4)]));
}

/** An extended WebP's header: flags, then the canvas width − 1 and height − 1 in 24 bits each (`VP8X`). */
export function webpExtendedImage(width: number, height: number): Uint8Array<ArrayBuffer> {
  const data = Buffer.alloc(10);
  data.writeUIntLE(width - 1, 4, 3);
  data.writeUIntLE(height - 1, 7, 3);
  return riff('VP8X', data);
}
