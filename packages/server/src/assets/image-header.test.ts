import { jpegImage, pngImage, webpExtendedImage, webpLosslessImage, webpLossyImage } from '@dungeon-lab/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readImageHeader, sniffImageType } from './image-header.ts';

const SEED = 20_260_301;

describe('image headers', () => {
  it('[API11] PNG: the type by its signature, the size from IHDR', () => {
    expect(readImageHeader(pngImage(3, 2))).toEqual({ ok: true, type: 'image/png', width: 3, height: 2 });
    expect(readImageHeader(pngImage(1, 1))).toEqual({ ok: true, type: 'image/png', width: 1, height: 1 });
    expect(readImageHeader(pngImage(640, 480))).toEqual({ ok: true, type: 'image/png', width: 640, height: 480 });
    // A header whose first chunk is not IHDR, or that says zero pixels, gives no size.
    const renamed = pngImage(3, 2);
    renamed.set(Buffer.from('IHDX'), 12);
    expect(readImageHeader(renamed)).toEqual({ ok: false, error: 'the image/png header cannot be read' });
    expect(readImageHeader(pngImage(0, 2))).toEqual({ ok: false, error: 'the image/png header gives no size' });
  });

  it('[API11] JPEG: the size from the first SOFn segment, past APPn, comments, fill bytes and tables', () => {
    expect(readImageHeader(jpegImage(1920, 1080))).toEqual({ ok: true, type: 'image/jpeg', width: 1920, height: 1080 });
    for (const sof of [0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]) {
      expect(readImageHeader(jpegImage(65535, 7, { sof })), sof.toString(16)).toEqual({ ok: true, type: 'image/jpeg', width: 65535, height: 7 });
    }
    // DHT, JPG and DAC share the SOFn range but carry no size: they are skipped like any segment, and the walk ends without a frame.
    for (const notFrame of [0xc4, 0xc8, 0xcc]) {
      expect(readImageHeader(jpegImage(10, 10, { sof: notFrame })), notFrame.toString(16)).toEqual({ ok: false, error: 'the image/jpeg header cannot be read' });
    }
    // A scan before any frame header, a broken marker, a segment length under 2: unreadable.
    const scanFirst = jpegImage(10, 10, { sof: 0xda });
    expect(readImageHeader(scanFirst).ok).toBe(false);
    expect(readImageHeader(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01)).ok).toBe(false);
    expect(readImageHeader(Uint8Array.of(0xff, 0xd8, 0xff, 0xd9)).ok).toBe(false);
    expect(readImageHeader(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0x12)).ok).toBe(false);
    expect(readImageHeader(jpegImage(0, 10))).toEqual({ ok: false, error: 'the image/jpeg header gives no size' });
  });

  it('[API11] WebP: lossy (VP8), lossless (VP8L) and extended (VP8X) headers', () => {
    expect(readImageHeader(webpLossyImage(800, 600))).toEqual({ ok: true, type: 'image/webp', width: 800, height: 600 });
    expect(readImageHeader(webpLossyImage(16383, 1))).toEqual({ ok: true, type: 'image/webp', width: 16383, height: 1 });
    expect(readImageHeader(webpLosslessImage(1, 16384))).toEqual({ ok: true, type: 'image/webp', width: 1, height: 16384 });
    expect(readImageHeader(webpLosslessImage(300, 200))).toEqual({ ok: true, type: 'image/webp', width: 300, height: 200 });
    expect(readImageHeader(webpExtendedImage(2 ** 24, 5))).toEqual({ ok: true, type: 'image/webp', width: 2 ** 24, height: 5 });
    // A lossy frame that is not a key frame, a lossless chunk without its signature, an unknown chunk: unreadable.
    const interFrame = webpLossyImage(8, 8);
    interFrame[20] = 0x11;
    expect(readImageHeader(interFrame).ok).toBe(false);
    const unsigned = webpLosslessImage(8, 8);
    unsigned[20] = 0x00;
    expect(readImageHeader(unsigned).ok).toBe(false);
    const alpha = webpExtendedImage(8, 8);
    alpha.set(Buffer.from('ALPH'), 12);
    expect(readImageHeader(alpha)).toEqual({ ok: false, error: 'the image/webp header cannot be read' });
  });

  it('[API11] anything else is not an image of ours: text, GIF, SVG, a bare RIFF, nothing', () => {
    const text = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
    for (const bytes of [text('hello, this is not a PNG'), text('GIF89a\x01\x00\x01\x00'), text('<svg xmlns="http://www.w3.org/2000/svg"/>'), text('RIFF\x04\x00\x00\x00WAVE'), new Uint8Array(0), Uint8Array.of(0x89, 0x50)]) {
      expect(sniffImageType(bytes)).toBeNull();
      expect(readImageHeader(bytes)).toEqual({ ok: false, error: 'not a PNG, JPEG or WebP image' });
    }
  });

  it('[API11] never throws: every prefix of every image, and seeded random bytes behind each signature', () => {
    const images = [pngImage(5, 4), jpegImage(5, 4), webpLossyImage(5, 4), webpLosslessImage(5, 4), webpExtendedImage(5, 4)];
    for (const image of images) {
      for (let length = 0; length <= image.byteLength; length++) {
        const answer = readImageHeader(image.subarray(0, length));
        if (answer.ok) expect(answer).toMatchObject({ width: 5, height: 4 });
      }
    }
    const signatures = images.map((image) => image.subarray(0, 16));
    console.log(`image header fuzz seed ${SEED}`);
    fc.assert(
      fc.property(fc.constantFrom(...signatures), fc.uint8Array({ maxLength: 300 }), (head, tail) => {
        const answer = readImageHeader(new Uint8Array([...head, ...tail]));
        expect(typeof answer.ok).toBe('boolean');
        if (answer.ok) expect(answer.width > 0 && answer.height > 0).toBe(true);
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });
});
