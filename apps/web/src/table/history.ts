import type { SessionClient } from '@dungeon-lab/client';
import { YMultiDocUndoManager } from 'y-utility/y-multidoc-undomanager';
import type * as Y from 'yjs';
import { create } from 'zustand';
import { USER_EDIT } from './table-edits.ts';

/** The roots free edits write (tokens, actors, the stage): what undo can take back. */
const UNDOABLE_ROOTS = ['tokens', 'actors', 'scene'] as const;

/**
 * This user's undo history of the session's documents: one stack across the
 * table and the GM document, holding only transactions under USER_EDIT —
 * this page's own free edits. Another user's changes, the server's writes of
 * intents and loads from local storage carry other origins and are never
 * undone ([APP6]). Each edit is one step (a drag is one transaction).
 * Memory only: the history ends with the page.
 *
 * An undo that meets a field someone else has changed since leaves their
 * value (Yjs only restores what nobody overwrote).
 */
export class TableHistory {
  readonly #manager = new YMultiDocUndoManager([], { trackedOrigins: new Set([USER_EDIT]), captureTimeout: 0 });
  readonly #scoped = new WeakSet<Y.Doc>();
  readonly #unsubscribe: Array<() => void> = [];
  readonly state = create<{ canUndo: boolean; canRedo: boolean }>()(() => ({ canUndo: false, canRedo: false }));

  constructor(client: SessionClient, docs: readonly string[]) {
    const refresh = () => this.state.setState({ canUndo: this.#manager.canUndo(), canRedo: this.#manager.canRedo() });
    for (const event of ['stack-item-added', 'stack-item-popped', 'stack-cleared']) this.#manager.on(event, refresh);
    for (const name of docs) {
      const value = client.docValue(name);
      this.#scope(value.get());
      // A document started over after a refused edit: its history went with the old one; the new one is tracked from now on.
      this.#unsubscribe.push(
        value.subscribe((doc) => {
          this.#scope(doc);
          refresh();
        }),
      );
    }
  }

  #scope(doc: Y.Doc): void {
    if (this.#scoped.has(doc)) return;
    this.#scoped.add(doc);
    this.#manager.addToScope(UNDOABLE_ROOTS.map((root) => doc.getMap(root)));
  }

  undo(): void {
    this.#manager.undo();
  }

  redo(): void {
    this.#manager.redo();
  }

  destroy(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    for (const manager of this.#manager.docs.values()) manager.destroy();
    this.#manager.destroy();
  }
}
