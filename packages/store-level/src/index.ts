export { createLevelStore, DataDirLockedError } from './level-store.ts';
export type { LevelStoreOptions } from './level-store.ts';
