import { encodeDeleteSet } from '@dungeon-lab/protocol';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/** Yjs does not export its struct classes as types; these are what `Y.decodeUpdate` gives. */
type Struct = ReturnType<typeof Y.decodeUpdate>['structs'][number];

/** A struct's bytes in the V1 update format, with nothing around them. */
function structBytes(struct: Struct): Uint8Array {
  const encoder = new Y.UpdateEncoderV1();
  struct.write(encoder, 0);
  return encoder.toUint8Array();
}

/** A V1 update of one client's consecutive structs (their bytes as `structBytes` wrote them) and no deletions. */
function encodeRun(client: number, clock: number, structs: readonly Uint8Array[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint(encoder, structs.length);
  encoding.writeVarUint(encoder, client);
  encoding.writeVarUint(encoder, clock);
  for (const bytes of structs) encoding.writeUint8Array(encoder, bytes);
  // The delete set: no client.
  encoding.writeVarUint(encoder, 0);
  return encoding.toUint8Array(encoder);
}

/**
 * Splits a V1 update into updates of about `maxBytes` each ([P16]): runs of
 * one client's consecutive structs (one struct larger than that goes alone),
 * in the order the update had them, and last the update's delete set with no
 * structs. Applied in order they make the same document as the whole update:
 * structs that depend on a later piece wait in Yjs's pending store until it
 * comes. What the V1 format lets be written struct by struct (it carries no
 * state from one struct to the next) is what makes this possible without
 * Yjs's internal writers.
 */
export function splitUpdate(update: Uint8Array, maxBytes: number): { pieces: Uint8Array[]; deletions: Uint8Array } {
  const { structs, ds } = Y.decodeUpdate(update);
  const pieces: Uint8Array[] = [];
  let run: Uint8Array[] = [];
  let runBytes = 0;
  let runClient = -1;
  let runClock = 0;
  let nextClock = 0;
  const finish = () => {
    if (run.length > 0) pieces.push(encodeRun(runClient, runClock, run));
    run = [];
    runBytes = 0;
  };
  for (const struct of structs) {
    // A Skip is a gap in the update: what follows it starts a run of its own.
    if (struct instanceof Y.Skip) {
      finish();
      continue;
    }
    const { client, clock } = struct.id;
    if (run.length > 0 && (client !== runClient || clock !== nextClock || runBytes >= maxBytes)) finish();
    if (run.length === 0) {
      runClient = client;
      runClock = clock;
    }
    const bytes = structBytes(struct);
    run.push(bytes);
    runBytes += bytes.byteLength;
    nextClock = clock + struct.length;
  }
  finish();
  // No structs, then the delete set, which V1 writes as the protocol's `saved` does.
  const deletions = encoding.createEncoder();
  encoding.writeVarUint(deletions, 0);
  encoding.writeUint8Array(deletions, encodeDeleteSet(ds.clients));
  return { pieces, deletions: encoding.toUint8Array(deletions) };
}
