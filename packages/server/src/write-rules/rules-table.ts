/**
 * Who may write where in a session's table document (docs/security.md,
 * "Write rules"). One row per rule; the first row whose path and op match a
 * write decides it. `who: []` means nobody on a socket: only the server writes
 * there (through intents, [EL…]), the GM included.
 *
 * Paths are patterns over the document's JSON shape: a literal key, `*` (any
 * one key), `(a|b)` (one of these keys), `#` (an element a list already
 * has), `-` (the end of a list: an append), and a final `**` (anything below,
 * or nothing). Ops: `set` a key (a new value, or one overwritten), `unset` a
 * key, `append` to a list, `insert` into a list before an existing element,
 * `remove` an element. Writes inside something created by the same update
 * are its content, judged with it: a new token brings its x and y, a new chat
 * entry its text.
 */

export type WriteOp = 'set' | 'unset' | 'append' | 'insert' | 'remove';

/**
 * A writer a rule admits. `token-controller`: the token at `/tokens/{id}` is
 * the sender's (its actor's `ownerId`, or its own `ownerId` or
 * `controlledBy` list names them); `actor-owner`: `/actors/{id}/ownerId` is
 * the sender; `author`: every element appended or removed carries the
 * sender's id as `userId`.
 */
export type Writer = 'gm' | 'token-controller' | 'actor-owner' | 'author';

export interface WriteRule {
  readonly id: string;
  readonly path: string;
  /** Ops the row applies to; every op when absent. */
  readonly ops?: readonly WriteOp[];
  /** Anyone listed may write; nobody (the server only) when empty. */
  readonly who: readonly Writer[];
  /** What a `set` may store: a finite number. */
  readonly value?: 'number';
  /** Why the row exists; part of the denial a client sees. */
  readonly why: string;
}

export const WRITE_RULES: readonly WriteRule[] = [
  { id: 'W1', path: '/meta/**', who: [], why: 'event-log bookkeeping' },
  { id: 'W2', path: '/*/*/_version/**', who: [], why: 'entity versions count sequenced intents' },
  { id: 'W3', path: '/tokens/*/(x|y|rotation)', ops: ['set'], who: ['gm', 'token-controller'], value: 'number', why: 'moving a token' },
  { id: 'W4', path: '/tokens/**', who: ['gm'], why: 'placing, removing and assigning tokens' },
  { id: 'W5', path: '/actors/*/(hp|conditions|deathSaves|stable|dead)/**', who: [], why: 'rule-bound: changed through intents' },
  { id: 'W6', path: '/actors/*/spellSlots/*/used/**', who: [], why: 'rule-bound: spent through intents' },
  { id: 'W7', path: '/actors/*/(notes|ui)/**', who: ['gm', 'actor-owner'], why: "a character's notes and UI state" },
  { id: 'W8', path: '/actors/**', who: ['gm'], why: 'actors, their stats and owners' },
  { id: 'W9', path: '/(scene|encounter)/**', who: ['gm'], why: "the GM's stage" },
  { id: 'W10', path: '/(chat|dice)/-', ops: ['append'], who: ['author'], why: 'posting as yourself' },
  { id: 'W11', path: '/chat/#', ops: ['remove'], who: ['gm', 'author'], why: 'retracting your own message' },
  { id: 'W12', path: '/dice/#', ops: ['remove'], who: ['gm'], why: 'rolls stay on record' },
  { id: 'W13', path: '/(chat|dice)/**', who: [], why: 'entries are never edited or inserted out of order' },
  { id: 'W14', path: '/**', who: [], why: 'outside the table schema' },
];
