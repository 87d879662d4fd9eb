import { fileURLToPath } from 'node:url';
import { dungeonLabClientIdWire } from '../wire/dungeon-lab-client-id.ts';
import { dungeonLabSavedWire } from '../wire/dungeon-lab-saved.ts';
import { hocuspocusWire } from '../wire/hocuspocus.ts';
import type { WireProtocol } from '../wire/types.ts';
import { yWebsocketWire } from '../wire/y-websocket.ts';

export type TargetName = 'ours' | 'reference' | 'hocuspocus';
export const TARGET_NAMES: readonly TargetName[] = ['ours', 'reference', 'hocuspocus'];
/** The targets ours is compared against; every table shows ours ÷ each of them. */
export const REFERENCE_TARGETS: readonly TargetName[] = ['reference', 'hocuspocus'];

export interface TargetSpec {
  readonly name: TargetName;
  readonly label: string;
  readonly entry: string;
  readonly wire: WireProtocol;
  /** Keeps documents across a restart (needs a data directory). */
  readonly persistent: boolean;
  /** Unloads a room some time after its last client left, rather than never or at once. */
  readonly evictsAfterDelay: boolean;
  /** A variant of `wire` in which the server says which updates are durable, if it has one. */
  readonly durableAckWire: WireProtocol | undefined;
  /** A variant of `wire` in which the server leases short Yjs client ids, if it has one. */
  readonly leasedIdWire: WireProtocol | undefined;
  /** Environment the target runs with, beyond the runner's own: what its production start sets. */
  readonly env: Readonly<Record<string, string>>;
}

/** Kept equal to the assignments in apps/server's `start` script by registry.test.ts. */
export const OURS_START_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072' };

const entry = (file: string): string => fileURLToPath(new URL(`./servers/${file}`, import.meta.url));

export const TARGETS: Readonly<Record<TargetName, TargetSpec>> = {
  ours: {
    name: 'ours',
    label: 'Dungeon Lab',
    entry: entry('ours.ts'),
    wire: yWebsocketWire,
    persistent: true,
    evictsAfterDelay: true,
    durableAckWire: dungeonLabSavedWire,
    leasedIdWire: dungeonLabClientIdWire,
    // The allocator settings `npm start` runs the server with (apps/server/package.json).
    env: OURS_START_ENV,
  },
  reference: {
    name: 'reference',
    label: '@y/websocket-server 0.1.1',
    entry: entry('reference.ts'),
    wire: yWebsocketWire,
    persistent: false,
    evictsAfterDelay: false,
    durableAckWire: undefined,
    leasedIdWire: undefined,
    env: {},
  },
  hocuspocus: {
    name: 'hocuspocus',
    label: '@hocuspocus/server 4',
    entry: entry('hocuspocus.ts'),
    wire: hocuspocusWire,
    persistent: false,
    evictsAfterDelay: false,
    durableAckWire: undefined,
    leasedIdWire: undefined,
    env: {},
  },
};

export function isTargetName(name: string): name is TargetName {
  return (TARGET_NAMES as readonly string[]).includes(name);
}
