/**
 * Two stock y-websocket providers in one room, used as the "bystanders" of
 * abuse tests: they must keep syncing, on the same sockets, whatever another
 * socket in their room does ([P13]).
 */
import type { WebsocketProvider } from 'y-websocket';
import { connectProvider, synced, waitFor } from './helpers.ts';

export interface LegitPair {
  readonly a: WebsocketProvider;
  readonly b: WebsocketProvider;
  /** Socket closes either provider has seen since it connected. */
  readonly disconnects: () => number;
  /** An edit on each side must reach the other; proves the room still syncs. */
  roundTrip(label: string): Promise<void>;
  destroy(): void;
}

export async function legitPair(wsUrl: string, room: string): Promise<LegitPair> {
  const a = connectProvider(wsUrl, room);
  const b = connectProvider(wsUrl, room);
  let disconnects = 0;
  for (const p of [a, b]) p.on('connection-close', () => disconnects++);
  await Promise.all([synced(a), synced(b)]);
  return {
    a,
    b,
    disconnects: () => disconnects,
    async roundTrip(label) {
      a.doc.getMap('log').set(`${label}-a`, label);
      b.doc.getMap('log').set(`${label}-b`, label);
      await waitFor(
        () => a.doc.getMap('log').get(`${label}-b`) === label && b.doc.getMap('log').get(`${label}-a`) === label,
        10_000,
        `round trip "${label}" in ${room}`,
      );
    },
    destroy() {
      a.destroy();
      b.destroy();
    },
  };
}
