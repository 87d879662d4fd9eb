import { type Intent, createIntent } from '@dungeon-lab/events';

/** What a table does through the event log: mostly chat, some dice, some rule-checked moves. */
export type IntentKind = 'chat:message' | 'dice:roll' | 'token:move';

/** Six chats, two rolls, two moves in every ten intents, interleaved so that no kind comes in a run. */
const MIX: readonly IntentKind[] = [
  'chat:message',
  'dice:roll',
  'chat:message',
  'token:move',
  'chat:message',
  'chat:message',
  'dice:roll',
  'chat:message',
  'token:move',
  'chat:message',
];
const NOTATIONS = ['1d20+5', '2d6+3', '4d6kh3', '1d8+2', '1d100'];
/** Tokens stay inside a square this size; the table has no scene bounds, so any finite value would do. */
export const BOARD_SIZE = 2_000;

export const MIX_SHARES: Readonly<Record<IntentKind, number>> = {
  'chat:message': MIX.filter((k) => k === 'chat:message').length / MIX.length,
  'dice:roll': MIX.filter((k) => k === 'dice:roll').length / MIX.length,
  'token:move': MIX.filter((k) => k === 'token:move').length / MIX.length,
};

/** The token a player moves by intent; the GM creates one per player with a free edit before the run. */
export const playerTokenId = (player: number): string => `bench-token-${player}`;

/**
 * The `n`-th intent of player `player`, with its checksum as a client computes
 * it. Deterministic apart from the id, so that every target and run submits
 * the same payloads.
 */
export function buildIntent(player: number, n: number): Intent {
  const kind = MIX[(player + n) % MIX.length]!;
  switch (kind) {
    case 'chat:message':
      return createIntent(kind, { text: `Player ${player}, message ${n}: the door is trapped, I check for runes.` });
    case 'dice:roll':
      return createIntent(kind, { notation: NOTATIONS[n % NOTATIONS.length]! });
    case 'token:move':
      return createIntent(kind, {
        tokenId: playerTokenId(player),
        x: (player * 37 + n * 53) % BOARD_SIZE,
        y: (player * 91 + n * 29) % BOARD_SIZE,
      });
  }
}
