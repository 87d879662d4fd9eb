import { GM_DOC, type SessionClient, TABLE_DOC } from '@dungeon-lab/client';
import type { JsonObject } from '@dungeon-lab/events';

/**
 * Where a token lives. `table`: the table document, which every member
 * reads. `gm`: the GM document — hidden tokens no player's browser ever
 * receives; a GM's page draws them dimmed, and everything done with them
 * (edits, drags, selections) goes to the GM document and the GM room's
 * presence, never the table's ([APP7]).
 */
export type Layer = typeof TABLE_DOC | typeof GM_DOC;

/** The layer a token is on, by where its record is (the GM document for hidden ones). */
export function layerOf(client: SessionClient, tokenId: string): Layer {
  if (!client.docNames.includes(GM_DOC)) return TABLE_DOC;
  const hidden = client.json(GM_DOC).get().tokens;
  return typeof hidden === 'object' && hidden !== null && !Array.isArray(hidden) && tokenId in hidden ? GM_DOC : TABLE_DOC;
}

/** A layer's JSON now (the table's view, or the GM document). */
export function layerJson(client: SessionClient, layer: Layer): JsonObject {
  return layer === TABLE_DOC ? client.view.get() : client.json(GM_DOC).get();
}
