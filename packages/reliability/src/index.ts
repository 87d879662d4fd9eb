export { runSyncFuzz, type FuzzFigures, type FuzzOptions, type FuzzReport } from './sync-fuzz.ts';
export { SimNetwork, type Accept, Link } from './sim-network.ts';
export { Fence } from './fence.ts';
export { fuzzSystem } from './fuzz-system.ts';
