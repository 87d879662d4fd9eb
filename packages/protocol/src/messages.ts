import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { REJECT_REASON_CODES, type RejectReason, rejectReasonFromCode } from './close-codes.ts';
import { AuthKind, MessageType, SyncStep } from './message-types.ts';

/** Every message the protocol carries, one per WebSocket frame. */
export type ProtocolMessage =
  | { readonly type: 'sync-step1'; readonly stateVector: Uint8Array }
  | { readonly type: 'sync-step2'; readonly update: Uint8Array }
  | { readonly type: 'sync-update'; readonly update: Uint8Array }
  | { readonly type: 'awareness'; readonly update: Uint8Array }
  | { readonly type: 'auth-denied'; readonly reason: string }
  | { readonly type: 'query-awareness' }
  | { readonly type: 'hello'; readonly version: number; readonly features: number }
  | { readonly type: 'saved'; readonly stateVector: Uint8Array; readonly deleteSet: Uint8Array }
  | { readonly type: 'checksum'; readonly stateVector: Uint8Array; readonly checksum: string }
  | { readonly type: 'room'; readonly room: string; readonly message: RoomScopedMessage }
  | { readonly type: 'room-leave'; readonly room: string }
  | { readonly type: 'error'; readonly reason: RejectReason; readonly detail: string }
  /** c→s: the Yjs client id the client's document uses now; s→c: the id it is to use from now on ([P15]). */
  | { readonly type: 'client-id'; readonly clientId: number }
  // Event-log sidecar. Bodies are lib0 `any` values validated by @dungeon-lab/events' schemas.
  | { readonly type: 'intent-submit'; readonly intents: readonly unknown[] }
  | { readonly type: 'intent-ack'; readonly acks: readonly unknown[] }
  | { readonly type: 'event-applied'; readonly entries: readonly unknown[] }
  | { readonly type: 'approval-requested'; readonly approvals: readonly unknown[] }
  | { readonly type: 'approval-resolved'; readonly resolutions: readonly unknown[] }
  | { readonly type: 'catch-up-request'; readonly from: number }
  | { readonly type: 'catch-up-response'; readonly entries: readonly unknown[]; readonly latest: number; readonly skipped: boolean };

/** What a `room` envelope may carry: anything but another envelope. */
export type RoomScopedMessage = Exclude<ProtocolMessage, { type: 'room' } | { type: 'room-leave' } | { type: 'hello' }>;

export type ProtocolMessageType = ProtocolMessage['type'];

/** Yjs creates client ids below 2^32; a larger one is no id a client of ours can hold. */
const MAX_CLIENT_ID = 0xffff_ffff;

/** Thrown by `decodeMessage` for any frame that is not exactly one well-formed message. */
export class ProtocolDecodeError extends Error {
  override readonly name = 'ProtocolDecodeError';
}

function writeBody(encoder: encoding.Encoder, msg: ProtocolMessage): void {
  switch (msg.type) {
    case 'sync-step1':
      encoding.writeVarUint(encoder, MessageType.Sync);
      encoding.writeVarUint(encoder, SyncStep.Step1);
      encoding.writeVarUint8Array(encoder, msg.stateVector);
      return;
    case 'sync-step2':
      encoding.writeVarUint(encoder, MessageType.Sync);
      encoding.writeVarUint(encoder, SyncStep.Step2);
      encoding.writeVarUint8Array(encoder, msg.update);
      return;
    case 'sync-update':
      encoding.writeVarUint(encoder, MessageType.Sync);
      encoding.writeVarUint(encoder, SyncStep.Update);
      encoding.writeVarUint8Array(encoder, msg.update);
      return;
    case 'awareness':
      encoding.writeVarUint(encoder, MessageType.Awareness);
      encoding.writeVarUint8Array(encoder, msg.update);
      return;
    case 'auth-denied':
      encoding.writeVarUint(encoder, MessageType.Auth);
      encoding.writeVarUint(encoder, AuthKind.PermissionDenied);
      encoding.writeVarString(encoder, msg.reason);
      return;
    case 'query-awareness':
      encoding.writeVarUint(encoder, MessageType.QueryAwareness);
      return;
    case 'hello':
      encoding.writeVarUint(encoder, MessageType.Hello);
      encoding.writeVarUint(encoder, msg.version);
      encoding.writeVarUint(encoder, msg.features);
      return;
    case 'saved':
      encoding.writeVarUint(encoder, MessageType.Saved);
      encoding.writeVarUint8Array(encoder, msg.stateVector);
      encoding.writeVarUint8Array(encoder, msg.deleteSet);
      return;
    case 'checksum':
      encoding.writeVarUint(encoder, MessageType.Checksum);
      encoding.writeVarUint8Array(encoder, msg.stateVector);
      encoding.writeVarString(encoder, msg.checksum);
      return;
    case 'room':
      encoding.writeVarUint(encoder, MessageType.Room);
      encoding.writeVarString(encoder, msg.room);
      writeBody(encoder, msg.message);
      return;
    case 'room-leave':
      encoding.writeVarUint(encoder, MessageType.RoomLeave);
      encoding.writeVarString(encoder, msg.room);
      return;
    case 'error':
      encoding.writeVarUint(encoder, MessageType.Error);
      encoding.writeVarUint(encoder, REJECT_REASON_CODES[msg.reason]);
      encoding.writeVarString(encoder, msg.detail);
      return;
    case 'client-id':
      encoding.writeVarUint(encoder, MessageType.ClientId);
      encoding.writeVarUint(encoder, msg.clientId);
      return;
    case 'intent-submit':
      encoding.writeVarUint(encoder, MessageType.IntentSubmit);
      encoding.writeAny(encoder, msg.intents as unknown as AnyValue);
      return;
    case 'intent-ack':
      encoding.writeVarUint(encoder, MessageType.IntentAck);
      encoding.writeAny(encoder, msg.acks as unknown as AnyValue);
      return;
    case 'event-applied':
      encoding.writeVarUint(encoder, MessageType.EventApplied);
      encoding.writeAny(encoder, msg.entries as unknown as AnyValue);
      return;
    case 'approval-requested':
      encoding.writeVarUint(encoder, MessageType.ApprovalRequested);
      encoding.writeAny(encoder, msg.approvals as unknown as AnyValue);
      return;
    case 'approval-resolved':
      encoding.writeVarUint(encoder, MessageType.ApprovalResolved);
      encoding.writeAny(encoder, msg.resolutions as unknown as AnyValue);
      return;
    case 'catch-up-request':
      encoding.writeVarUint(encoder, MessageType.CatchUpRequest);
      encoding.writeVarUint(encoder, msg.from);
      return;
    case 'catch-up-response':
      encoding.writeVarUint(encoder, MessageType.CatchUpResponse);
      encoding.writeVarUint(encoder, msg.latest);
      encoding.writeUint8(encoder, msg.skipped ? 1 : 0);
      encoding.writeAny(encoder, msg.entries as unknown as AnyValue);
      return;
  }
}

/** Encodes one message as the bytes of one WebSocket frame. */
export function encodeMessage(msg: ProtocolMessage): Uint8Array {
  const encoder = encoding.createEncoder();
  writeBody(encoder, msg);
  return encoding.toUint8Array(encoder);
}

/** Wraps an already encoded room-scoped frame in a `room` envelope without re-encoding its body. */
export function encodeRoomEnvelope(room: string, innerFrame: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.Room);
  encoding.writeVarString(encoder, room);
  encoding.writeUint8Array(encoder, innerFrame);
  return encoding.toUint8Array(encoder);
}

type AnyValue = Parameters<typeof encoding.writeAny>[1];

function readList(decoder: decoding.Decoder, what: string): unknown[] {
  const value: unknown = decoding.readAny(decoder);
  if (!Array.isArray(value)) return fail(`${what} must be a list`);
  return value;
}

function fail(detail: string): never {
  throw new ProtocolDecodeError(detail);
}

function readBody(decoder: decoding.Decoder, allowEnvelope: boolean): ProtocolMessage {
  const type = decoding.readVarUint(decoder);
  switch (type) {
    case MessageType.Sync: {
      const step = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (step === SyncStep.Step1) return { type: 'sync-step1', stateVector: payload };
      if (step === SyncStep.Step2) return { type: 'sync-step2', update: payload };
      if (step === SyncStep.Update) return { type: 'sync-update', update: payload };
      return fail(`unknown sync step ${step}`);
    }
    case MessageType.Awareness:
      return { type: 'awareness', update: decoding.readVarUint8Array(decoder) };
    case MessageType.Auth: {
      const kind = decoding.readVarUint(decoder);
      if (kind !== AuthKind.PermissionDenied) return fail(`unknown auth message ${kind}`);
      return { type: 'auth-denied', reason: decoding.readVarString(decoder) };
    }
    case MessageType.QueryAwareness:
      return { type: 'query-awareness' };
    case MessageType.Hello: {
      if (!allowEnvelope) return fail('hello inside a room envelope');
      const version = decoding.readVarUint(decoder);
      return { type: 'hello', version, features: decoding.readVarUint(decoder) };
    }
    case MessageType.Saved: {
      const stateVector = decoding.readVarUint8Array(decoder);
      return { type: 'saved', stateVector, deleteSet: decoding.readVarUint8Array(decoder) };
    }
    case MessageType.Checksum: {
      const stateVector = decoding.readVarUint8Array(decoder);
      return { type: 'checksum', stateVector, checksum: decoding.readVarString(decoder) };
    }
    case MessageType.Room: {
      if (!allowEnvelope) return fail('nested room envelope');
      const room = decoding.readVarString(decoder);
      const inner = readBody(decoder, false);
      return { type: 'room', room, message: inner as RoomScopedMessage };
    }
    case MessageType.RoomLeave:
      if (!allowEnvelope) return fail('room-leave inside a room envelope');
      return { type: 'room-leave', room: decoding.readVarString(decoder) };
    case MessageType.Error: {
      const code = decoding.readVarUint(decoder);
      const reason = rejectReasonFromCode(code) ?? fail(`unknown error reason ${code}`);
      return { type: 'error', reason, detail: decoding.readVarString(decoder) };
    }
    case MessageType.ClientId: {
      const clientId = decoding.readVarUint(decoder);
      if (!Number.isSafeInteger(clientId) || clientId > MAX_CLIENT_ID) return fail(`client id ${clientId} out of range`);
      return { type: 'client-id', clientId };
    }
    case MessageType.IntentSubmit:
      return { type: 'intent-submit', intents: readList(decoder, 'intents') };
    case MessageType.IntentAck:
      return { type: 'intent-ack', acks: readList(decoder, 'acks') };
    case MessageType.EventApplied:
      return { type: 'event-applied', entries: readList(decoder, 'entries') };
    case MessageType.ApprovalRequested:
      return { type: 'approval-requested', approvals: readList(decoder, 'approvals') };
    case MessageType.ApprovalResolved:
      return { type: 'approval-resolved', resolutions: readList(decoder, 'resolutions') };
    case MessageType.CatchUpRequest:
      return { type: 'catch-up-request', from: decoding.readVarUint(decoder) };
    case MessageType.CatchUpResponse: {
      const latest = decoding.readVarUint(decoder);
      const flag = decoding.readUint8(decoder);
      if (flag > 1) return fail('bad skipped flag');
      return { type: 'catch-up-response', latest, skipped: flag === 1, entries: readList(decoder, 'entries') };
    }
    default:
      return fail(`unknown message type ${type}`);
  }
}

/**
 * Decodes one frame. Throws `ProtocolDecodeError` unless the frame holds exactly
 * one well-formed message with no trailing bytes ([P1]).
 */
export function decodeMessage(frame: Uint8Array): ProtocolMessage {
  if (frame.byteLength === 0) fail('empty frame');
  const decoder = decoding.createDecoder(frame);
  let msg: ProtocolMessage;
  try {
    msg = readBody(decoder, true);
  } catch (err) {
    if (err instanceof ProtocolDecodeError) throw err;
    // lib0 throws plain errors on truncated input.
    return fail(`truncated or malformed frame: ${(err as Error).message}`);
  }
  if (decoding.hasContent(decoder)) fail(`${frame.byteLength - decoder.pos} trailing bytes`);
  return msg;
}
