import * as encoding from 'lib0/encoding';

/**
 * A lib0 encoder writing into one buffer of `capacity` bytes from `start` on,
 * for encodings whose size is known roughly in advance (a large document's
 * state): no doubling pieces and no concatenation while it fits. The memory
 * is uninitialised, so pages an overestimate never reaches are never touched
 * and cost address space, not RSS. Past `capacity` it grows as any encoder.
 */
export function presizedEncoder(capacity: number, start = 0): encoding.Encoder {
  const encoder = encoding.createEncoder();
  encoder.cbuf = new Uint8Array(Buffer.allocUnsafeSlow(capacity).buffer);
  encoder.cpos = start;
  return encoder;
}
