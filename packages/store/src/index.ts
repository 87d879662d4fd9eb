export type { RowId, StoredRow, StoredDoc, DocStore, StoredEvent, StoredRecord, EventLogStore, Store } from './store.ts';
export { DuplicateEventError } from './store.ts';
