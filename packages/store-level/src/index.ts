export { createLevelStore, DataDirLockedError, DEFAULT_MAX_OPEN_FILES } from './level-store.ts';
export type { EmbeddedStore, LevelStoreOptions } from './level-store.ts';
