export type { RowId, StoredRow, StoredDoc, DocStore, Store } from './store.ts';
