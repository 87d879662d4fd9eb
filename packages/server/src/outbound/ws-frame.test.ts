import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import { WsFrameBuilder, encodeWsFrame, wsFramePayload } from './ws-frame.ts';

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

describe('WsFrameBuilder', () => {
  const prefix = new Uint8Array([0, 1]);
  // What the builder must produce: prefix ‖ varuint(length) ‖ body, framed.
  function expected(body: Uint8Array): Buffer {
    const encoder = encoding.createEncoder();
    encoding.writeUint8Array(encoder, prefix);
    encoding.writeVarUint8Array(encoder, body);
    return wsLibraryFrame(Buffer.from(encoding.toUint8Array(encoder)));
  }

  for (const size of [0, 5, 120, 126, 200, 65_530, 65_536, 300_000]) {
    for (const hint of [0, Math.floor(size / 3), size, size * 2 + 10]) {
      it(`frames a ${size}-byte body written with a size hint of ${hint}`, () => {
        const body = new Uint8Array(size);
        for (let i = 0; i < size; i++) body[i] = (i * 13 + 5) & 0xff;
        const builder = new WsFrameBuilder(prefix, hint);
        // Written in uneven pieces, as an update encoder does.
        for (let at = 0; at < size; at += 977) encoding.writeUint8Array(builder.encoder, body.subarray(at, at + 977));
        const frame = builder.finish();
        expect(Buffer.compare(frame, expected(body))).toBe(0);
        expect(Buffer.compare(wsFramePayload(frame), expected(body).subarray(frame.byteLength - wsFramePayload(frame).byteLength))).toBe(0);
      });
    }
  }

  it('writes a body that fits the hint in place: the frame is a view of the encoder buffer', () => {
    const builder = new WsFrameBuilder(prefix, 1000);
    encoding.writeUint8Array(builder.encoder, new Uint8Array(900).fill(7));
    const frame = builder.finish();
    expect(frame.buffer).toBe(builder.encoder.cbuf.buffer);
    expect(frame.byteLength).toBe(4 + 2 + 2 + 900);
  });
});
