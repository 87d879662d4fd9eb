// Node-only entry (`@dungeon-lab/client/node`): pulls in node:fs, so it must
// stay out of the browser entry.
export {
  FileDocPersistence,
  filePersistence,
  logFileName,
  type FileDocPersistenceOptions,
} from './node/file-persistence.ts';
