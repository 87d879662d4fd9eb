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
  /**
   * How the entry is run: `harness` (default) — a bench entry (`servers/`) taking `--port` and friends and
   * printing `BENCH_READY`; `app` — apps/server's `main.ts`, configured by its environment (`PORT`,
   * `DATA_DIR`, `REDIS_URL`, `MONGO_URL`, …) and ready when it prints `listening on <url>`.
   */
  readonly kind?: 'harness' | 'app';
  /** Where the entry's bundle is written; default `bench/.build/<name>.mjs`. */
  readonly bundle?: string;
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

/**
 * The server `npm start` runs: apps/server's `main.ts` bundled into `apps/server/dist/main.mjs` (as its
 * `bundle` script does) on plain Node, with its start script's allocator setting. Its backends come from
 * the environment a workload adds per start (`REDIS_URL`, `MONGO_URL`; else the embedded LevelDB store in
 * `DATA_DIR`). Configured as `ours` is: open rooms, per-connection and per-address limits off (every load
 * client is one user from one address), the per-user intent limit at its default; logs at `warn`.
 */
export const OURS_APP: TargetSpec = {
  ...TARGETS.ours,
  label: 'Dungeon Lab (npm start bundle)',
  entry: fileURLToPath(new URL('../../../apps/server/src/main.ts', import.meta.url)),
  bundle: fileURLToPath(new URL('../../../apps/server/dist/main.mjs', import.meta.url)),
  kind: 'app',
  env: {
    ...OURS_START_ENV,
    LOG_LEVEL: 'warn',
    OPEN_ROOMS: 'true',
    MAX_CONNECTIONS_PER_USER: 'off',
    MAX_CONNECTIONS_PER_IP: 'off',
    UPGRADES_PER_SECOND_PER_USER: 'off',
    UPGRADES_PER_SECOND_PER_IP: 'off',
    MESSAGES_PER_SECOND: 'off',
    MESSAGE_BYTES_PER_SECOND: 'off',
    AWARENESS_PER_SECOND: 'off',
    AWARENESS_BYTES_PER_SECOND: 'off',
    SYNC_REQUESTS_PER_SECOND: 'off',
    AUDIT_DENIALS_PER_SECOND: 'off',
  },
};

export function isTargetName(name: string): name is TargetName {
  return (TARGET_NAMES as readonly string[]).includes(name);
}
