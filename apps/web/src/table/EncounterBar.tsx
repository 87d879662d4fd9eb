import { useSessionClient, useView } from '@dungeon-lab/client-react';
import type { JsonObject } from '@dungeon-lab/events';
import type { ReactNode } from 'react';
import { toast } from '../app/toasts.ts';
import { SYSTEMS, systemFor } from '../systems/index.ts';
import { entity } from './Token.tsx';
import { type Encounter, nextTurn, previousTurn, readEncounter, sameEncounter } from './encounter.ts';
import { updateEncounter } from './table-edits.ts';
import { useTableUi } from './table-ui.ts';
import { canMove, tokenFace } from './tokens.ts';
import { useViewer } from './use-role.ts';

/** Tokens on the table whose actor a game system reads: the ones that can fight. */
function fighters(view: JsonObject, among: readonly string[] | null): string[] {
  const tokens = (view.tokens ?? {}) as Record<string, JsonObject>;
  return Object.keys(tokens)
    .filter((id) => among === null || among.includes(id))
    .filter((id) => {
      const actorId = tokens[id]?.actorId;
      return typeof actorId === 'string' && systemFor(SYSTEMS, entity(view, 'actors', actorId)) !== null;
    })
    .sort();
}

/**
 * The initiative tracker ([APP13]), over the map for everyone: the turn
 * order, the round, whose turn it is (also ringed on the map). The GM starts
 * combat with the selected creatures (or all of them) — the game system rolls
 * initiative with the server's dice — and moves the turn on or back, or ends
 * it; a player sees when it is their turn.
 */
export function EncounterBar(): ReactNode {
  const client = useSessionClient();
  const { userId, isGm } = useViewer();
  const encounter = useView((v) => readEncounter(v.encounter), sameEncounter);
  const current = encounter.combatants[encounter.turn];
  const mine = useView((v) => {
    if (current === undefined) return false;
    const token = entity(v, 'tokens', current.tokenId) as JsonObject | undefined;
    const face = tokenFace(current.tokenId, token, typeof token?.actorId === 'string' ? entity(v, 'actors', token.actorId) : undefined);
    return face !== null && canMove(face, userId, false);
  });

  if (!encounter.active) {
    if (!isGm) return null;
    const start = () => {
      const view = client.view.get();
      const selection = useTableUi.getState().selection;
      const ids = fighters(view, selection.length > 0 ? selection : null);
      if (ids.length === 0) return toast({ tone: 'info', title: 'Nobody to fight', detail: 'Place creatures or characters on the map first (hidden ones join once revealed).' });
      const system = systemFor(SYSTEMS, entity(view, 'actors', (view.tokens as Record<string, JsonObject>)[ids[0]!]!.actorId as string));
      system?.startEncounter(client, ids);
    };
    return (
      <div className="encounter-bar idle" onPointerDown={(e) => e.stopPropagation()}>
        <button type="button" onClick={start} title="Roll initiative for the selected creatures, or for everyone on the map">
          Start combat
        </button>
      </div>
    );
  }

  const go = (to: { round: number; turn: number } | { active: false }) => updateEncounter(client.doc('table'), to);
  return (
    <div className="encounter-bar" role="region" aria-label="Initiative" onPointerDown={(e) => e.stopPropagation()}>
      <span className="round" aria-label={`Round ${encounter.round}`}>
        Round {encounter.round}
      </span>
      <ol className="turn-order" aria-label="Turn order">
        {encounter.combatants.map((c, i) => (
          <li key={c.tokenId} className={i === encounter.turn ? 'current' : ''} aria-current={i === encounter.turn ? 'step' : undefined}>
            <span className="init">{c.initiative}</span> {c.name}
          </li>
        ))}
      </ol>
      {mine && !isGm && <strong className="your-turn">Your turn</strong>}
      {isGm && <TurnControls encounter={encounter} go={go} />}
    </div>
  );
}

function TurnControls({ encounter, go }: { readonly encounter: Encounter; readonly go: (to: { round: number; turn: number } | { active: false }) => void }): ReactNode {
  return (
    <span className="turn-controls">
      <button type="button" className="small-button" onClick={() => go(previousTurn(encounter))} aria-label="Previous turn" disabled={encounter.round === 1 && encounter.turn === 0}>
        ◀
      </button>
      <button type="button" className="small-button primary" onClick={() => go(nextTurn(encounter))} aria-label="Next turn">
        Next ▶
      </button>
      <button type="button" className="small-button" onClick={() => go({ active: false })}>
        End combat
      </button>
    </span>
  );
}
