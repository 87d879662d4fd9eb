import { IntentSchema } from '@dungeon-lab/events';
import type { StoredIntent } from './event-queue.ts';

/**
 * The event queue and the last seen sequence live in the table doc's
 * persistence metadata, so every backend (IndexedDB, memory, file) keeps them
 * without storage code of its own.
 */
export const INTENTS_META_KEY = 'dl:intents';
export const LAST_SEQUENCE_META_KEY = 'dl:last-seq';

const FORMAT_VERSION = 1;

export function serializeIntents(intents: readonly StoredIntent[]): string {
  return JSON.stringify({ v: FORMAT_VERSION, intents });
}

/**
 * Reads what `serializeIntents` wrote. Unreadable storage yields an empty
 * queue and a malformed entry is dropped, rather than one bad record keeping
 * the client from starting.
 */
export function parseIntents(raw: string | undefined): StoredIntent[] {
  if (raw === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null) return [];
  const { v, intents: list } = parsed as { v?: unknown; intents?: unknown };
  if (v !== FORMAT_VERSION || !Array.isArray(list)) return [];
  const out: StoredIntent[] = [];
  for (const item of list as unknown[]) {
    const s = item as Partial<Record<keyof StoredIntent, unknown>> | null;
    const intent = IntentSchema.safeParse(s?.intent);
    if (!intent.success || typeof s?.priority !== 'boolean' || typeof s.createdAt !== 'number') continue;
    const floor = s.sentFloor;
    if (floor !== null && !(typeof floor === 'number' && Number.isInteger(floor) && floor >= 0)) continue;
    const awaiting = s.approvalSequence;
    if (awaiting !== undefined && !(typeof awaiting === 'number' && Number.isInteger(awaiting) && awaiting > 0)) continue;
    out.push({ intent: intent.data, priority: s.priority, createdAt: s.createdAt, sentFloor: floor, ...(awaiting === undefined ? {} : { approvalSequence: awaiting }) });
  }
  return out;
}

export function parseLastSequence(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : null;
}
