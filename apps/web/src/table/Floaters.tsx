import { SyncState } from '@dungeon-lab/client';
import { usePendingIntents, useSyncState, useView } from '@dungeon-lab/client-react';
import type { JsonObject } from '@dungeon-lab/events';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { SYSTEMS } from '../systems/index.ts';
import type { Point } from './geometry.ts';

/** How long a result stays on its tokens. */
const SHOW_MS = 2600;
/** Results on one token at once stack upwards, this far apart. */
const STACK_PX = 24;

interface Floater {
  readonly key: string;
  readonly actorId: string;
  readonly text: string;
  readonly tone: 'hit' | 'miss' | 'heal' | 'pending';
}

function tokensOf(view: JsonObject, actorId: string): Point[] {
  const tokens = (view.tokens ?? {}) as Record<string, JsonObject>;
  return Object.values(tokens).flatMap((t) => (t?.actorId === actorId && typeof t.x === 'number' && typeof t.y === 'number' ? [{ x: t.x, y: t.y }] : []));
}

/**
 * Results on the map ([APP11]): when a rules card lands in chat, what it did
 * shows for a moment over each creature it touched ("−8", "Miss"); an attack
 * still waiting for the server marks its target. Only cards that arrive
 * once the table has synced: what it loads from the device or catches up on
 * when it opens is history, not news.
 */
export function Floaters({ toScreen }: { readonly toScreen: (p: Point) => Point }): ReactNode {
  const chat = useView((v) => v.chat);
  const pending = usePendingIntents();
  const synced = useSyncState('table') === SyncState.SYNCED;
  const seen = useRef<Set<string> | null>(null);
  // Set once the table first synced; from then on an entry not seen is one that just happened.
  const ready = useRef(false);
  const [shown, setShown] = useState<readonly Floater[]>([]);
  useEffect(() => {
    const entries = (Array.isArray(chat) ? chat : []).flatMap((e) => (typeof e === 'object' && e !== null && !Array.isArray(e) && typeof e.id === 'string' && typeof e.sequence === 'number' ? [e] : []));
    if (seen.current === null || !ready.current) {
      seen.current = new Set(entries.map((e) => e.id as string));
      ready.current = synced;
      return;
    }
    const fresh: Floater[] = [];
    for (const e of entries) {
      const id = e.id as string;
      if (seen.current.has(id)) continue;
      seen.current.add(id);
      const card = typeof e.card === 'object' && e.card !== null && !Array.isArray(e.card) ? e.card : null;
      const system = card === null ? undefined : SYSTEMS.find((s) => s.pluginId === card.system);
      if (card === null || system === undefined) continue;
      system.effects(card).forEach((effect, i) => fresh.push({ key: `${id}/${i}`, ...effect }));
    }
    if (fresh.length === 0) return;
    setShown((list) => [...list, ...fresh]);
    const timer = setTimeout(() => setShown((list) => list.filter((f) => !fresh.includes(f))), SHOW_MS);
    return () => clearTimeout(timer);
  }, [chat, synced]);
  const waiting: Floater[] = pending.flatMap((p) =>
    SYSTEMS.flatMap((s) => s.pendingTargets(p.intent.type, p.intent.payload)).map((actorId) => ({ key: `pending/${p.intent.id}/${actorId}`, actorId, text: '…', tone: 'pending' as const })),
  );
  return (
    <>
      {[...shown, ...waiting].map((f, n, all) => (
        // Two hits on one creature at once read as two lines, not one blur.
        <FloaterOnTokens key={f.key} floater={f} below={all.slice(0, n).filter((g) => g.actorId === f.actorId).length} toScreen={toScreen} />
      ))}
    </>
  );
}

function samePoints(a: readonly Point[], b: readonly Point[]): boolean {
  return a.length === b.length && a.every((p, i) => p.x === b[i]!.x && p.y === b[i]!.y);
}

/** One result over every token of its creature; only a shown result follows the table, so moves elsewhere redraw nothing here. */
function FloaterOnTokens({ floater, below, toScreen }: { readonly floater: Floater; readonly below: number; readonly toScreen: (p: Point) => Point }): ReactNode {
  const at = useView((v) => tokensOf(v, floater.actorId), samePoints);
  return at.map((point, i) => {
    const p = toScreen(point);
    return (
      <div key={i} className={`floater tone-${floater.tone}`} style={{ transform: `translate(${p.x}px, ${p.y - below * STACK_PX}px)` }} data-floater={floater.text}>
        <span>{floater.text}</span>
      </div>
    );
  });
}
