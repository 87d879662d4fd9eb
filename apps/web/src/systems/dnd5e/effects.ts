import type { JsonObject, JsonValue } from '@dungeon-lab/events';
import { DND5E_INTENT_TYPES } from '@dungeon-lab/plugin-dnd5e';

type Effect = { readonly actorId: string; readonly text: string; readonly tone: 'hit' | 'miss' | 'heal' };

const num = (v: JsonValue | undefined): number | null => (typeof v === 'number' ? v : null);

/** What an attack or a spell's card did to each creature, for the marks on their tokens. */
export function effects(card: JsonObject): readonly Effect[] {
  if (card.type === DND5E_INTENT_TYPES.attack && typeof card.targetId === 'string') {
    if (card.hit !== true) return [{ actorId: card.targetId, text: 'Miss', tone: 'miss' }];
    const taken = num((card.damage as JsonObject | undefined)?.taken);
    return [{ actorId: card.targetId, text: `${card.critical === true ? 'Crit ' : ''}−${taken ?? '?'}`, tone: 'hit' }];
  }
  if (card.type === DND5E_INTENT_TYPES.castAoe && Array.isArray(card.results)) {
    return card.results.flatMap((r) => {
      const o = typeof r === 'object' && r !== null && !Array.isArray(r) ? r : null;
      if (o === null || typeof o.actorId !== 'string') return [];
      return [{ actorId: o.actorId, text: `−${num(o.taken) ?? '?'}${o.success === true ? ' (saved)' : ''}`, tone: 'hit' as const }];
    });
  }
  return [];
}

/** An attack waiting for the server marks its target. */
export function pendingTargets(type: string, payload: JsonValue): readonly string[] {
  const p = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? payload : null;
  return type === DND5E_INTENT_TYPES.attack && typeof p?.targetId === 'string' ? [p.targetId] : [];
}
