import { bigDoc } from './big-doc.ts';
import { fanout } from './fanout.ts';
import { intents } from './intents.ts';
import { knee } from './knee.ts';
import { manyRooms } from './many-rooms.ts';
import { memory } from './memory.ts';
import { reconnectStorm } from './reconnect-storm.ts';
import { scaleoutFanout, scaleoutIntents } from './scaleout.ts';
import { soak } from './soak.ts';
import type { Workload, WorkloadName } from './types.ts';
import { wireBytes } from './wire-bytes.ts';

/** In run order: cheap and informative first. */
export const WORKLOADS: readonly Workload[] = [wireBytes, fanout, knee, manyRooms, memory, bigDoc, reconnectStorm, intents, scaleoutFanout, scaleoutIntents, soak];

export function findWorkload(name: string): Workload | undefined {
  return WORKLOADS.find((w) => w.name === (name as WorkloadName));
}
