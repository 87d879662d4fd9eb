import type { JsonObject, JsonValue } from '@dungeon-lab/events';

/** One die term as the server rolled it (events' DiceTermResult). */
export interface RolledTerm {
  readonly dice: number;
  readonly sides: number;
  readonly sign: 1 | -1;
  readonly rolls: readonly number[];
  /** Indexes of the dice that count, for kh/kl; all count when absent. */
  readonly kept?: readonly number[];
}

export type FeedEntry =
  | {
      readonly kind: 'chat';
      readonly id: string;
      readonly userId: string;
      readonly timestamp: number;
      readonly sequence: number | null;
      readonly text: string;
      /** A game system's result card (the D&D 5e plugin's attacks, saves, damage). */
      readonly card: JsonObject | null;
    }
  | {
      readonly kind: 'roll';
      readonly id: string;
      readonly userId: string;
      readonly timestamp: number;
      readonly sequence: number | null;
      readonly notation: string;
      readonly label: string | null;
      /** Null while the server has not rolled it yet (a pending roll). */
      readonly total: number | null;
      readonly modifier: number;
      readonly terms: readonly RolledTerm[];
      /** Rolled in secret: in the GM document, seen by GMs only. */
      readonly secret: boolean;
    };

const asObject = (v: JsonValue | undefined): JsonObject | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v : null);
const asString = (v: JsonValue | undefined): string | null => (typeof v === 'string' ? v : null);
const asNumber = (v: JsonValue | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function readTerms(v: JsonValue | undefined): RolledTerm[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((t) => {
    const o = asObject(t);
    if (o === null || !Array.isArray(o.rolls)) return [];
    const rolls = o.rolls.filter((r): r is number => typeof r === 'number');
    const kept = Array.isArray(o.kept) ? o.kept.filter((k): k is number => typeof k === 'number') : undefined;
    return [{ dice: asNumber(o.dice) ?? rolls.length, sides: asNumber(o.sides) ?? 0, sign: o.sign === -1 ? -1 : 1, rolls, ...(kept ? { kept } : {}) }];
  });
}

/** A chat entry of the document (`/chat/-`), read defensively; null for what is not one. */
export function chatEntry(v: JsonValue): FeedEntry | null {
  const o = asObject(v);
  const id = asString(o?.id);
  const userId = asString(o?.userId);
  if (o === null || id === null || userId === null) return null;
  return { kind: 'chat', id, userId, timestamp: asNumber(o.timestamp) ?? 0, sequence: asNumber(o.sequence), text: asString(o.text) ?? '', card: asObject(o.card) };
}

/** A dice entry (`/dice/-`, the table's or the GM document's), read defensively. */
export function rollEntry(v: JsonValue, secret: boolean): FeedEntry | null {
  const o = asObject(v);
  const id = asString(o?.id);
  const userId = asString(o?.userId);
  if (o === null || id === null || userId === null) return null;
  return {
    kind: 'roll',
    id,
    userId,
    timestamp: asNumber(o.timestamp) ?? 0,
    sequence: asNumber(o.sequence),
    notation: asString(o.notation) ?? '?',
    label: asString(o.label),
    total: o.pending === true ? null : asNumber(o.total),
    modifier: asNumber(o.modifier) ?? 0,
    terms: readTerms(o.rolls),
    secret,
  };
}

/**
 * The chat and dice logs as one feed, in the server's order: entries the
 * server sequenced by sequence, then this client's pending ones (predicted,
 * not yet sequenced) in the order they were made.
 */
export function feedOf(table: JsonObject, gmDice: JsonValue | undefined): readonly FeedEntry[] {
  const entries: FeedEntry[] = [];
  for (const v of Array.isArray(table.chat) ? table.chat : []) {
    const e = chatEntry(v);
    if (e) entries.push(e);
  }
  for (const v of Array.isArray(table.dice) ? table.dice : []) {
    const e = rollEntry(v, false);
    if (e) entries.push(e);
  }
  for (const v of Array.isArray(gmDice) ? gmDice : []) {
    const e = rollEntry(v, true);
    if (e) entries.push(e);
  }
  return entries.sort((a, b) => (a.sequence ?? Number.MAX_SAFE_INTEGER) - (b.sequence ?? Number.MAX_SAFE_INTEGER) || a.timestamp - b.timestamp);
}

/** What the composer sends: a chat line, or a roll (`/roll`, `/r`; `/gmroll`, `/gr` in secret). */
export type Command = { readonly kind: 'chat'; readonly text: string } | { readonly kind: 'roll'; readonly notation: string; readonly label?: string; readonly secret: boolean } | { readonly kind: 'error'; readonly message: string };

const ROLL = /^\/(roll|r|gmroll|gr)(?:\s+(\S+)(?:\s+(.+))?)?\s*$/i;

export function parseCommand(input: string): Command | null {
  const text = input.trim();
  if (text === '') return null;
  const roll = ROLL.exec(text);
  if (roll) {
    const secret = roll[1]!.toLowerCase().startsWith('g');
    if (roll[2] === undefined) return { kind: 'error', message: `Say what to roll: /${roll[1]} 2d20kh1+5 Perception` };
    return { kind: 'roll', notation: roll[2], ...(roll[3] ? { label: roll[3].trim() } : {}), secret };
  }
  if (text.startsWith('/')) return { kind: 'error', message: `Unknown command ${text.split(/\s/)[0]}: try /roll, /r, /gmroll or /gr` };
  return { kind: 'chat', text };
}
