import { useSessionClient, useView } from '@dungeon-lab/client-react';
import type { JsonObject } from '@dungeon-lab/events';
import type { ReactNode } from 'react';
import { toast } from '../app/toasts.ts';
import { entity } from './Token.tsx';
import { assignActor, deleteTokens } from './table-edits.ts';
import { useTableUi } from './table-ui.ts';
import { showsHp, tokenFace } from './tokens.ts';
import { useMembers } from './use-members.ts';
import { useViewer } from './use-role.ts';

/** What is selected: one token's card (HP, AC, who plays it) or a count; the GM's assign and delete. */
export function SelectedPanel(): ReactNode {
  const selection = useTableUi((s) => s.selection);
  if (selection.length === 0) return null;
  if (selection.length > 1) return <MultiSelection ids={selection} />;
  return <SelectedToken id={selection[0]!} />;
}

function useDelete(): (ids: readonly string[]) => void {
  const client = useSessionClient();
  return (ids) => {
    deleteTokens(client.doc('table'), ids, client.view.get());
    useTableUi.getState().select([]);
    toast({ tone: 'info', title: ids.length === 1 ? 'Token removed' : `${ids.length} tokens removed` });
  };
}

function MultiSelection({ ids }: { readonly ids: readonly string[] }): ReactNode {
  const { isGm } = useViewer();
  const remove = useDelete();
  return (
    <section className="panel-section selected-card" aria-label="Selection">
      <h2>{ids.length} tokens selected</h2>
      {isGm && (
        <button type="button" className="danger" onClick={() => remove(ids)}>
          Remove {ids.length} tokens
        </button>
      )}
    </section>
  );
}

function SelectedToken({ id }: { readonly id: string }): ReactNode {
  const client = useSessionClient();
  const { userId, isGm } = useViewer();
  const token = useView((v) => entity(v, 'tokens', id));
  const actorId = typeof token === 'object' && token !== null && !Array.isArray(token) && typeof token.actorId === 'string' ? token.actorId : null;
  const actor = useView((v) => entity(v, 'actors', actorId));
  const members = useMembers();
  const remove = useDelete();
  const face = tokenFace(id, token, actor);
  if (face === null) return null;
  const a = (actor ?? {}) as JsonObject;
  const players = (members ?? []).filter((m) => m.role === 'player');
  const owner = typeof a.ownerId === 'string' ? a.ownerId : '';
  return (
    <section className="panel-section selected-card" aria-label={`Selected: ${face.name}`}>
      <div className="selected-head">
        <span className="token-chip" style={{ background: face.color }} aria-hidden="true">
          {face.initials}
        </span>
        <h2>{face.name}</h2>
      </div>
      <dl className="stat-line">
        {showsHp(face, userId, isGm) && face.hp && (
          <>
            <dt>HP</dt>
            <dd>
              {face.hp.value}/{face.hp.max}
              {face.hp.temp > 0 ? ` +${face.hp.temp}` : ''}
            </dd>
          </>
        )}
        {(isGm || face.kind === 'character') && typeof a.ac === 'number' && (
          <>
            <dt>AC</dt>
            <dd>{a.ac}</dd>
          </>
        )}
        {face.conditions.length > 0 && (
          <>
            <dt>Conditions</dt>
            <dd>{face.conditions.join(', ')}</dd>
          </>
        )}
      </dl>
      {isGm && face.kind === 'character' && actorId !== null && (
        <label className="field" htmlFor={`owner-${id}`}>
          <span>Played by</span>
          <select
            id={`owner-${id}`}
            value={owner}
            onChange={(e) => {
              const next = e.target.value === '' ? null : e.target.value;
              if (!assignActor(client.doc('table'), actorId, next, client.view.get())) toast({ tone: 'warning', title: 'That character is gone' });
            }}
          >
            <option value="">Game master</option>
            {players.map((m) => (
              <option key={m.userId} value={m.userId}>
                {m.name}
              </option>
            ))}
            {owner !== '' && !players.some((m) => m.userId === owner) && <option value={owner}>a former player</option>}
          </select>
        </label>
      )}
      {isGm && (
        <button type="button" className="danger" onClick={() => remove([id])}>
          Remove from the map
        </button>
      )}
    </section>
  );
}
