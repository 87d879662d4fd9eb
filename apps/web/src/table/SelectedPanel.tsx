import { useSessionClient, useView } from '@dungeon-lab/client-react';
import type { JsonObject } from '@dungeon-lab/events';
import { type ReactNode, useEffect, useState } from 'react';
import { toast } from '../app/toasts.ts';
import { entity } from './Token.tsx';
import { ImageFileButton } from '../assets/FileButton.tsx';
import { uploadImage } from '../assets/upload.ts';
import { SYSTEMS, systemFor } from '../systems/index.ts';
import type { Layer } from './layers.ts';
import { assignActor, removeTokens, rename, setTokenImage } from './table-edits.ts';
import { useLayerJson } from './use-layer.ts';
import { GM_DOC, type SessionClient, TABLE_DOC } from '@dungeon-lab/client';
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
    removeTokens(client, ids);
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
      {isGm && <SystemQuickActions tokenIds={ids} />}
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
  const hiddenToken = useLayerJson(GM_DOC, (v) => entity(v, 'tokens', id));
  const hidden = hiddenToken !== undefined;
  const tableToken = useView((v) => entity(v, 'tokens', id));
  const token = hiddenToken ?? tableToken;
  const actorId = typeof token === 'object' && token !== null && !Array.isArray(token) && typeof token.actorId === 'string' ? token.actorId : null;
  const hiddenActor = useLayerJson(GM_DOC, (v) => entity(v, 'actors', actorId));
  const tableActor = useView((v) => entity(v, 'actors', actorId));
  const actor = hiddenActor ?? tableActor;
  const system = systemFor(SYSTEMS, actor);
  const members = useMembers();
  const remove = useDelete();
  const face = tokenFace(id, token, actor);
  if (face === null) return null;
  const a = (actor ?? {}) as JsonObject;
  const players = (members ?? []).filter((m) => m.role === 'player');
  const owner = typeof a.ownerId === 'string' ? a.ownerId : '';
  // The name lives on the actor (the GM document's for a hidden one), or on a token that has none.
  const nameTarget =
    actorId !== null && hiddenActor !== undefined
      ? { doc: GM_DOC, root: 'actors' as const, id: actorId }
      : actorId !== null && tableActor !== undefined
        ? { doc: TABLE_DOC, root: 'actors' as const, id: actorId }
        : { doc: hidden ? GM_DOC : TABLE_DOC, root: 'tokens' as const, id };
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
        {system === null && (isGm || face.kind === 'character') && typeof a.ac === 'number' && (
          <>
            <dt>AC</dt>
            <dd>{a.ac}</dd>
          </>
        )}
        {system === null && face.conditions.length > 0 && (
          <>
            <dt>Conditions</dt>
            <dd>{face.conditions.join(', ')}</dd>
          </>
        )}
      </dl>
      {isGm && hidden && (
        <div className="hidden-box">
          <p className="hidden-note">Hidden from players: only game masters see it.</p>
          <button type="button" className="primary" onClick={() => reveal(client, id, face.name)}>
            Reveal to players
          </button>
        </div>
      )}
      {actorId !== null && system !== null && <system.Sheet tokenId={id} actorId={actorId} layer={hidden ? GM_DOC : TABLE_DOC} />}
      {isGm && !hidden && <SystemQuickActions tokenIds={[id]} />}
      {isGm && (
        <details className="token-settings" open={system === null}>
          <summary>Token settings</summary>
          <RenameField
            key={id}
            current={face.name}
            onRename={(name) => {
              if (!rename(client.doc(nameTarget.doc), nameTarget.root, nameTarget.id, name)) toast({ tone: 'warning', title: 'That token is gone' });
            }}
          />
          <PictureField tokenId={id} layer={hidden ? GM_DOC : TABLE_DOC} hasImage={face.image !== null} />
          {face.kind === 'character' && actorId !== null && (
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
          <div className="form-actions">
            {!hidden && client.docNames.includes(GM_DOC) && (
              <button type="button" onClick={() => hide(client, id, face.name)}>
                Hide from players
              </button>
            )}
            <button type="button" className="danger" onClick={() => remove([id])}>
              Remove from the map
            </button>
          </div>
        </details>
      )}
    </section>
  );
}

/** `token:reveal`: the token (and its hidden actor) move onto the table for everyone, in one logged event. */
function reveal(client: SessionClient, tokenId: string, name: string): void {
  void client.intents.submit('token:reveal', { tokenId }, { priority: true }).result.then((ack) => {
    if (ack.success) toast({ tone: 'success', title: `${name} is revealed` });
  });
}

/** `token:hide`: the token (and an actor no visible token needs) move into the GM document, in one logged event. */
function hide(client: SessionClient, tokenId: string, name: string): void {
  void client.intents.submit('token:hide', { tokenId }, { priority: true }).result.then((ack) => {
    if (ack.success) toast({ tone: 'success', title: `${name} is hidden from players` });
  });
}

/** The GM renames a token (a chieftain among goblins); Enter or leaving the field saves, Esc puts the name back. */
function RenameField({ current, onRename }: { readonly current: string; readonly onRename: (name: string) => void }): ReactNode {
  const [draft, setDraft] = useState(current);
  useEffect(() => setDraft(current), [current]);
  const commit = () => {
    const name = draft.trim();
    if (name === '' || [...name].length > 100) return setDraft(current);
    if (name !== current) onRename(name);
  };
  return (
    <label className="field">
      <span>Name</span>
      <input
        value={draft}
        maxLength={100}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') setDraft(current);
        }}
      />
    </label>
  );
}

/** The GM gives a token a picture (uploaded like a map), or takes it away. */
function PictureField({ tokenId, layer, hasImage }: { readonly tokenId: string; readonly layer: Layer; readonly hasImage: boolean }): ReactNode {
  const client = useSessionClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const upload = async (file: File) => {
    setBusy(true);
    setError(null);
    const outcome = await uploadImage(client, file);
    setBusy(false);
    if (!outcome.ok) return setError(outcome.message);
    if (!setTokenImage(client.doc(layer), tokenId, outcome.image.hash)) toast({ tone: 'warning', title: 'That token is gone' });
  };
  return (
    <div className="field">
      <span>Picture</span>
      <div className="form-actions">
        <ImageFileButton label={hasImage ? 'Replace picture…' : 'Add a picture…'} busy={busy} accessibleName="Upload a picture for this token" onPick={(file) => void upload(file)} />
        {hasImage && (
          <button type="button" onClick={() => setTokenImage(client.doc(layer), tokenId, null)}>
            Use initials
          </button>
        )}
      </div>
      {error && (
        <p className="form-error small" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** The GM's quick actions of the system the selected creatures belong to (on the table: intents act on table actors). */
function SystemQuickActions({ tokenIds }: { readonly tokenIds: readonly string[] }): ReactNode {
  const actor = useView((v) => {
    const token = entity(v, 'tokens', tokenIds[0] ?? null) as { actorId?: unknown } | undefined;
    return typeof token?.actorId === 'string' ? entity(v, 'actors', token.actorId) : undefined;
  });
  const system = systemFor(SYSTEMS, actor);
  return system === null ? null : <system.QuickActions tokenIds={tokenIds} />;
}
