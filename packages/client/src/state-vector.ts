import * as Y from 'yjs';

/** client id → number of operations of that client held (the next clock). */
export type StateVector = Map<number, number>;

export function localStateVector(doc: Y.Doc): StateVector {
  return Y.decodeStateVector(Y.encodeStateVector(doc));
}

export function clockOf(sv: StateVector, client: number): number {
  return sv.get(client) ?? 0;
}

/** Whether `sv` holds every operation `other` holds. */
export function stateVectorCovers(sv: StateVector, other: StateVector): boolean {
  for (const [client, clock] of other) {
    if (clockOf(sv, client) < clock) return false;
  }
  return true;
}

export function stateVectorsEqual(a: StateVector, b: StateVector): boolean {
  return stateVectorCovers(a, b) && stateVectorCovers(b, a);
}
