/**
 * What an uploaded image is, from its first bytes ([API11] in docs/api.md):
 * its type by magic number — never by what the request claims — and its
 * pixel size from its header, so a client can lay out a map before it decodes
 * it. Nothing here decodes pixels: PNG's IHDR, JPEG's SOFn segment and WebP's
 * VP8/VP8L/VP8X chunk header are all it reads, in time linear in the bytes it
 * walks past.
 */
import type { AssetType } from '@dungeon-lab/protocol';

export type ImageHeader =
  | { readonly ok: true; readonly type: AssetType; readonly width: number; readonly height: number }
  | { readonly ok: false; readonly error: string };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The type the bytes themselves say, or null for anything but a PNG, JPEG or WebP. */
export function sniffImageType(bytes: Uint8Array): AssetType | null {
  if (startsWith(bytes, 0, PNG_SIGNATURE)) return 'image/png';
  if (startsWith(bytes, 0, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'image/webp';
  return null;
}

/** The image's type and pixel size, or why they cannot be read. */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  const type = sniffImageType(bytes);
  if (type === null) return { ok: false, error: 'not a PNG, JPEG or WebP image' };
  const size = type === 'image/png' ? pngSize(bytes) : type === 'image/jpeg' ? jpegSize(bytes) : webpSize(bytes);
  if (size === null) return { ok: false, error: `the ${type} header cannot be read` };
  if (size.width === 0 || size.height === 0) return { ok: false, error: `the ${type} header gives no size` };
  return { ok: true, type, ...size };
}

interface Size {
  readonly width: number;
  readonly height: number;
}

/** PNG: the first chunk is IHDR (PNG 1.2 §3.2), width and height u32 BE. */
function pngSize(b: Uint8Array): Size | null {
  if (b.byteLength < 24 || ascii(b, 12, 4) !== 'IHDR') return null;
  const view = viewOf(b);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Start-of-frame markers that carry the frame's size: C0–CF except DHT (C4), JPG (C8) and DAC (CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/**
 * JPEG: walk the marker segments from SOI to the first SOFn (ITU T.81
 * §B.2.2): its length, precision, then height and width as u16 BE. A scan
 * (SOS) or the end (EOI) before any frame header is unreadable.
 */
function jpegSize(b: Uint8Array): Size | null {
  const view = viewOf(b);
  let at = 2;
  while (at + 1 < b.byteLength) {
    if (b[at] !== 0xff) return null;
    const marker = b[at + 1]!;
    // Fill bytes, and markers without a segment (TEM, RSTn, SOI).
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda || at + 4 > b.byteLength) return null;
    const length = view.getUint16(at + 2);
    if (length < 2) return null;
    if (isStartOfFrame(marker)) {
      if (length < 7 || at + 9 > b.byteLength) return null;
      return { height: view.getUint16(at + 5), width: view.getUint16(at + 7) };
    }
    at += 2 + length;
  }
  return null;
}

/**
 * WebP (RIFF container, Google's WebP container spec): the first chunk after
 * `WEBP` says the format — VP8X (extended: canvas size, 24-bit LE minus one),
 * VP8L (lossless: signature 0x2F, then 14-bit width and height minus one) or
 * `VP8 ` (lossy: a key frame's start code 9D 01 2A, then 14-bit width and
 * height, LE).
 */
function webpSize(b: Uint8Array): Size | null {
  const chunk = ascii(b, 12, 4);
  const view = viewOf(b);
  if (chunk === 'VP8X') {
    if (b.byteLength < 30) return null;
    return { width: 1 + uint24le(b, 24), height: 1 + uint24le(b, 27) };
  }
  if (chunk === 'VP8L') {
    if (b.byteLength < 25 || b[20] !== 0x2f) return null;
    const bits = view.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8 ') {
    // Bit 0 of the frame tag is 0 for a key frame, the only kind that carries a size.
    if (b.byteLength < 30 || (b[20]! & 1) !== 0 || !startsWith(b, 23, [0x9d, 0x01, 0x2a])) return null;
    return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  }
  return null;
}

function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function startsWith(b: Uint8Array, at: number, expected: readonly number[]): boolean {
  return b.byteLength >= at + expected.length && expected.every((byte, i) => b[at + i] === byte);
}

function ascii(b: Uint8Array, at: number, length: number): string {
  return b.byteLength < at + length ? '' : String.fromCharCode(...b.subarray(at, at + length));
}

function uint24le(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
}
