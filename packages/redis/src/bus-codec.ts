/**
 * How bus messages are written into Redis and read back ([RS2], [RS3] in
 * docs/architecture.md). Bytes travel as bulk strings, exactly; everything a
 * reader takes from Redis is checked before it is believed, so an entry some
 * other writer left is reported, never delivered half-read.
 */
import type { BusChannel, BusMessage, EventLogNotice, MembershipChange, WriteTicket } from '@dungeon-lab/server';

/** A stream id, `<ms>-<seq>`, as numbers that compare. */
export interface StreamId {
  readonly ms: bigint;
  readonly seq: bigint;
}

const STREAM_ID = /^(\d{1,20})-(\d{1,20})$/;
const U64_MAX = (1n << 64n) - 1n;

/** The id, or null when it is not one Redis could have made ([RS4]: yhub#61, one bad id in a multi-stream XREAD stops them all). */
export function parseStreamId(text: string): StreamId | null {
  const m = STREAM_ID.exec(text);
  if (m === null) return null;
  const ms = BigInt(m[1]!);
  const seq = BigInt(m[2]!);
  return ms <= U64_MAX && seq <= U64_MAX ? { ms, seq } : null;
}

export function formatStreamId(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

export function compareStreamIds(a: StreamId, b: StreamId): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  return a.seq === b.seq ? 0 : a.seq < b.seq ? -1 : 1;
}

/** Where a subscription starting at wall-clock `ms` reads from: XREAD returns the ids after it. */
export function streamIdAt(ms: number): StreamId {
  return { ms: BigInt(Math.max(0, Math.floor(ms))), seq: 0n };
}

/** Field names of a stream entry: short, as every entry carries them. */
const F = {
  process: 'p',
  number: 'n',
  kind: 'k',
  update: 'u',
  stateVector: 'v',
  deleteSet: 'd',
  json: 'j',
  writer: 'w',
  seq: 's',
  checksum: 'c',
} as const;

/** What an entry says besides the message: who published it, and its number among that process's messages on the channel. */
export interface Envelope {
  readonly process: string;
  readonly number: number;
}

/** The fields of the stream entry carrying `message` (any message but awareness). */
export function encodeEntry(message: Exclude<BusMessage, { kind: 'awareness' }>, envelope: Envelope): Record<string, string | Buffer> {
  const head = { [F.process]: envelope.process, [F.number]: String(envelope.number), [F.kind]: message.kind };
  switch (message.kind) {
    case 'doc-update':
      return { ...head, [F.update]: bytes(message.update), ...ticketFields(message.ticket) };
    case 'saved':
      return { ...head, [F.stateVector]: bytes(message.stateVector), [F.deleteSet]: bytes(message.deleteSet), ...ticketFields(message.through) };
    case 'digest':
      return { ...head, [F.stateVector]: bytes(message.stateVector), [F.checksum]: message.checksum };
    case 'event-log':
      return { ...head, [F.json]: JSON.stringify(message.notice) };
    case 'membership':
      return { ...head, [F.json]: JSON.stringify(message.change) };
  }
}

function ticketFields(ticket: WriteTicket): Record<string, string> {
  return { [F.writer]: String(ticket.writer), [F.seq]: String(ticket.seq) };
}

/** A view of the bytes, no copy. */
function bytes(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Thrown by the decoders with what was wrong; the bus turns it into a MalformedEntryError with the entry's key and id. */
export class DecodeError extends Error {}

/** The message of an entry read from `channel`'s stream; the channel comes from the key read, never from the entry. */
export function decodeEntry(channel: BusChannel, fields: unknown): { envelope: Envelope; message: BusMessage } {
  if (!Array.isArray(fields) || fields.length % 2 !== 0) throw new DecodeError('fields are not name/value pairs');
  const map = new Map<string, Buffer>();
  for (let i = 0; i < fields.length; i += 2) {
    const name: unknown = fields[i];
    const value: unknown = fields[i + 1];
    if (!Buffer.isBuffer(name) || !Buffer.isBuffer(value)) throw new DecodeError('a field is not a string');
    map.set(name.toString('utf8'), value);
  }
  const field = (name: string): Buffer => {
    const value = map.get(name);
    if (value === undefined) throw new DecodeError(`no field ${name}`);
    return value;
  };
  const envelope = decodeEnvelope(field(F.process).toString('utf8'), field(F.number).toString('utf8'));
  const kind = field(F.kind).toString('utf8');
  if (channel.kind === 'room') {
    const { room } = channel;
    if (kind === 'doc-update') return { envelope, message: { kind, room, update: new Uint8Array(field(F.update)), ticket: decodeTicket(field) } };
    if (kind === 'saved') {
      return {
        envelope,
        message: { kind, room, stateVector: new Uint8Array(field(F.stateVector)), deleteSet: new Uint8Array(field(F.deleteSet)), through: decodeTicket(field) },
      };
    }
    if (kind === 'digest') return { envelope, message: { kind, room, stateVector: new Uint8Array(field(F.stateVector)), checksum: field(F.checksum).toString('utf8') } };
  } else {
    const { sessionId } = channel;
    if (kind === 'event-log') return { envelope, message: { kind, sessionId, notice: parseNotice(field(F.json)) } };
    if (kind === 'membership') return { envelope, message: { kind, change: parseChange(sessionId, field(F.json)) } };
  }
  throw new DecodeError(`kind ${JSON.stringify(kind)} does not belong on a ${channel.kind} channel`);
}

function decodeTicket(field: (name: string) => Buffer): WriteTicket {
  const count = (name: string): number => {
    const text = field(name).toString('utf8');
    if (!/^\d{1,15}$/.test(text)) throw new DecodeError(`bad ticket field ${name}: ${JSON.stringify(text)}`);
    return Number(text);
  };
  return { writer: count(F.writer), seq: count(F.seq) };
}

function decodeEnvelope(process: string, number: string): Envelope {
  if (process === '') throw new DecodeError('empty process id');
  if (!/^\d{1,15}$/.test(number)) throw new DecodeError(`bad message number ${JSON.stringify(number)}`);
  return { process, number: Number(number) };
}

function parseJson(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    throw new DecodeError('payload is not JSON');
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The notice's own shape is the publisher's (this build's) to keep; the bus checks it is one of the kinds there are. */
function parseNotice(data: Buffer): EventLogNotice {
  const notice = parseJson(data);
  if (!isRecord(notice) || !['applied', 'approval-requested', 'approval-resolved'].includes(notice.kind as string)) throw new DecodeError('not an event-log notice');
  return notice as unknown as EventLogNotice;
}

function parseChange(sessionId: string, data: Buffer): MembershipChange {
  const change = parseJson(data);
  if (!isRecord(change) || change.sessionId !== sessionId || typeof change.userId !== 'string' || !(change.role === null || typeof change.role === 'string')) {
    throw new DecodeError('not a membership change of this session');
  }
  return change as unknown as MembershipChange;
}

/**
 * Awareness travels on pub/sub, never persisted ([RS5]): a header (who, its
 * number, and the number and stream id of the last stream message the
 * publisher sent on the channel before it, so a reader can keep the
 * channel's order) and the update's bytes.
 */
export interface AwarenessEnvelope extends Envelope {
  /** The number of the publisher's last stream message on this channel before this one; 0 for none. */
  readonly after: number;
  /** That message's stream id when Redis had acknowledged it; null while its XADD was still out. */
  readonly afterId: StreamId | null;
}

export function encodeAwareness(update: Uint8Array, envelope: AwarenessEnvelope): Buffer {
  const head = Buffer.from(
    JSON.stringify({ p: envelope.process, n: envelope.number, a: envelope.after, i: envelope.afterId === null ? '' : formatStreamId(envelope.afterId) }),
    'utf8',
  );
  const length = Buffer.alloc(4);
  length.writeUInt32BE(head.length);
  return Buffer.concat([length, head, bytes(update)]);
}

export function decodeAwareness(room: string, data: Buffer): { envelope: AwarenessEnvelope; message: BusMessage } {
  if (data.length < 4) throw new DecodeError('shorter than its header length');
  const headLength = data.readUInt32BE(0);
  if (4 + headLength > data.length) throw new DecodeError('header longer than the message');
  const head = parseJson(data.subarray(4, 4 + headLength));
  if (!isRecord(head) || typeof head.p !== 'string' || !Number.isSafeInteger(head.n) || !Number.isSafeInteger(head.a) || typeof head.i !== 'string') {
    throw new DecodeError('bad awareness header');
  }
  const { process, number } = decodeEnvelope(head.p, String(head.n));
  const afterId = head.i === '' ? null : parseStreamId(head.i);
  if (afterId === null && head.i !== '') throw new DecodeError(`bad stream id ${JSON.stringify(head.i)} in an awareness header`);
  return { envelope: { process, number, after: head.a as number, afterId }, message: { kind: 'awareness', room, update: new Uint8Array(data.subarray(4 + headLength)) } };
}
