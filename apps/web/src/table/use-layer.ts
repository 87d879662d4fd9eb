import { GM_DOC, type ReadableValue, TABLE_DOC } from '@dungeon-lab/client';
import { useSelected, useSessionClient } from '@dungeon-lab/client-react';
import type { JsonObject } from '@dungeon-lab/events';
import type { Layer } from './layers.ts';

const EMPTY: ReadableValue<JsonObject> = { get: () => ({}), subscribe: () => () => undefined };

/** A part of a layer's JSON: the table's optimistic view (with predictions), or the GM document's (empty for a client without it). */
export function useLayerJson<S>(layer: Layer, selector: (json: JsonObject) => S, isEqual?: (a: S, b: S) => boolean): S {
  const client = useSessionClient();
  const source = layer === TABLE_DOC ? client.view : client.docNames.includes(GM_DOC) ? client.json(GM_DOC) : EMPTY;
  return useSelected(source, selector, isEqual);
}

/** Whether this client holds the GM document (a GM's does). */
export function useHasGmLayer(): boolean {
  return useSessionClient().docNames.includes(GM_DOC);
}
