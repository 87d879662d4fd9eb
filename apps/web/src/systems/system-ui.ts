import type { SessionClient } from '@dungeon-lab/client';
import type { JsonObject, JsonValue } from '@dungeon-lab/events';
import type { ComponentType } from 'react';
import type { Layer } from '../table/layers.ts';

/** The selected token a sheet is about. */
export interface SheetProps {
  readonly tokenId: string;
  readonly actorId: string;
  readonly layer: Layer;
}

/** A chat entry's card written by a game system's intent (`card.system`). */
export interface CardProps {
  readonly card: JsonObject;
  readonly text: string;
  /** A prediction: the server has not rolled yet. */
  readonly pending: boolean;
}

/**
 * What a game system adds to the table's UI ([APP10], docs/plugins.md "UI"):
 * the plugin supplies the rules, and this its face — the character panel,
 * its result cards in chat, the GM's quick actions on a selection and how an
 * encounter starts. The table knows nothing of D&D: a second system is a
 * second `SystemUi` in `SYSTEMS`, matched to actors it `reads`.
 */
export interface SystemUi {
  /** The plugin's id (`dnd5e`), the `system` of its chat cards. */
  readonly pluginId: string;
  /** Whether an actor is one of this system's (it decides by its own schema). */
  readonly reads: (actor: JsonValue | undefined) => boolean;
  readonly Sheet: ComponentType<SheetProps>;
  readonly Card: ComponentType<CardProps>;
  /** GM: damage, healing, conditions… on the selected tokens, each one intent. */
  readonly QuickActions: ComponentType<{ readonly tokenIds: readonly string[] }>;
  /** What a result card did to whom, shown for a moment on their tokens ("−8", "Miss"). */
  readonly effects: (card: JsonObject) => readonly { readonly actorId: string; readonly text: string; readonly tone: 'hit' | 'miss' | 'heal' }[];
  /** The actors an intent of this system aims at while it waits for the server (their tokens show it). */
  readonly pendingTargets: (type: string, payload: JsonValue) => readonly string[];
  /** One of this system's intents in words, names read from `view` ("Aria attacks Goblin 1"); null for others' intents. */
  readonly describe: (type: string, payload: JsonValue, view: JsonObject) => string | null;
  /** GM: how the tracker starts an encounter with these tokens (the system rolls initiative its way). */
  readonly startEncounter: (client: SessionClient, tokenIds: readonly string[]) => void;
}

/** Whichever system reads this actor; null for one none of them does (a bare token). */
export function systemFor(systems: readonly SystemUi[], actor: JsonValue | undefined): SystemUi | null {
  return systems.find((s) => s.reads(actor)) ?? null;
}
