import { useSessionClient } from '@dungeon-lab/client-react';
import { CHARACTER_TEMPLATES } from '@dungeon-lab/plugin-dnd5e';
import { type FormEvent, type ReactNode, useState } from 'react';
import { Dialog } from '../app/Dialog.tsx';
import { freeCellNear } from './geometry.ts';
import { tokenPositions } from './tokens.ts';
import { readScene } from './scene.ts';
import { createCharacter } from './table-edits.ts';
import { toCells, useTableUi } from './table-ui.ts';
import { useMembers } from './use-members.ts';

/** The GM makes a first-level character from a template and hands it to a player; its token appears mid-view. */
export function CharacterDialog(): ReactNode {
  const open = useTableUi((s) => s.dialog === 'new-character');
  const setDialog = useTableUi((s) => s.setDialog);
  if (!open) return null;
  return (
    <Dialog title="New character" onClose={() => setDialog(null)}>
      <CharacterForm onDone={() => setDialog(null)} />
    </Dialog>
  );
}

function CharacterForm({ onDone }: { readonly onDone: () => void }): ReactNode {
  const client = useSessionClient();
  const members = useMembers();
  const players = (members ?? []).filter((m) => m.role === 'player');
  const [name, setName] = useState('');
  const [templateId, setTemplateId] = useState(CHARACTER_TEMPLATES[0]!.id);
  const [ownerId, setOwnerId] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (trimmed === '' || [...trimmed].length > 100) return setError('Give the character a name of 1–100 characters.');
    const template = CHARACTER_TEMPLATES.find((t) => t.id === templateId)!;
    const view = client.view.get();
    const scene = readScene(view.scene);
    const board = document.querySelector<HTMLElement>('.board');
    const middle = board === null ? { x: scene.width / 2, y: scene.height / 2 } : toCells(useTableUi.getState().camera, scene.cellPx, { x: board.clientWidth / 2, y: board.clientHeight / 2 });
    const at = freeCellNear(middle, tokenPositions(view), scene.width, scene.height);
    const tokenId = createCharacter(client.doc('table'), template, trimmed, ownerId === '' ? null : ownerId, at);
    useTableUi.getState().select([tokenId]);
    onDone();
  };
  return (
    <form onSubmit={submit} noValidate>
      <label className="field" htmlFor="pc-name">
        <span>Name</span>
        <input id="pc-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} autoFocus />
      </label>
      <label className="field" htmlFor="pc-class">
        <span>Class (level 1)</span>
        <select id="pc-class" value={templateId} onChange={(e) => setTemplateId(e.target.value)}>
          {CHARACTER_TEMPLATES.map((t) => (
            <option key={t.id} value={t.id}>
              {t.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field" htmlFor="pc-player">
        <span>Played by</span>
        <select id="pc-player" value={ownerId} onChange={(e) => setOwnerId(e.target.value)}>
          <option value="">Game master</option>
          {players.map((m) => (
            <option key={m.userId} value={m.userId}>
              {m.name}
            </option>
          ))}
        </select>
      </label>
      {players.length === 0 && <p className="muted small">No players have joined yet: you can hand the character over later.</p>}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="primary">
          Create character
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
