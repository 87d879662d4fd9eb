import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { encodeWsFrame, wsFramePayload } from './ws-frame.ts';

interface FrameOptions { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean }
const { frame: wsFrame } = (createRequire(import.meta.url)('ws') as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } }).Sender;

// ws's own framing is the oracle: a frame we build must be byte for byte what ws.send would write.
function wsLibraryFrame(message: Buffer): Buffer {
  return Buffer.concat(wsFrame(message, { fin: true, rsv1: false, opcode: 2, mask: false, readOnly: false }));
}

describe('encodeWsFrame', () => {
  for (const size of [0, 1, 125, 126, 127, 65_535, 65_536, 1_000_003]) {
    it(`frames a ${size}-byte message as ws does, and gives it back`, () => {
      const message = Buffer.alloc(size);
      for (let i = 0; i < size; i++) message[i] = (i * 31 + 7) & 0xff;
      const frame = encodeWsFrame(message);
      expect(Buffer.compare(frame, wsLibraryFrame(message))).toBe(0);
      expect(Buffer.compare(wsFramePayload(frame), message)).toBe(0);
    });
  }

  it('copies the message, so the frame does not change with it', () => {
    const message = new Uint8Array([1, 2, 3]);
    const frame = encodeWsFrame(message);
    message[0] = 9;
    expect([...frame]).toEqual([0x82, 3, 1, 2, 3]);
  });
});
