import { shallowEqual, useView } from '@dungeon-lab/client-react';
import type { JsonValue } from '@dungeon-lab/events';
import { intentWords } from './intent-words.ts';

/** An intent as the words need it. */
export interface Asked {
  readonly type: string;
  readonly payload: JsonValue;
}

/**
 * Each intent in words, in order. The words read names from the table, so
 * they follow it — but the component re-renders only when a sentence
 * changes: a token's move must not redraw the log or the approval queue.
 */
export function useIntentWords(asked: readonly Asked[]): readonly string[] {
  return useView((view) => asked.map((a) => intentWords(a.type, a.payload, view)), shallowEqual);
}
