import type { JsonObject, JsonValue } from '@dungeon-lab/events';
import { SYSTEMS } from '../systems/index.ts';

const clip = (text: string): string => (text.length > 60 ? `${text.slice(0, 60)}…` : text);

/**
 * What an intent asks, in words, for the log, the approval queue and the
 * waiting strip: the core intents here, a game system's by its `describe`,
 * and anything else by its type ("plugin:x:cast-spell" → "cast spell").
 */
export function intentWords(type: string, payload: JsonValue, view: JsonObject): string {
  const p = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? payload : {};
  if (type === 'chat:message' && typeof p.text === 'string') return `said “${clip(p.text)}”`;
  if (type === 'dice:roll' && typeof p.notation === 'string') return `rolled ${p.notation}${typeof p.label === 'string' ? ` (${clip(p.label)})` : ''}`;
  for (const system of SYSTEMS) {
    const words = system.describe(type, payload, view);
    if (words !== null) return words;
  }
  return (type.split(':').pop() ?? type).replace(/-/g, ' ');
}
