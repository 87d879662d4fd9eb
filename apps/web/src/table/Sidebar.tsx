import { shallowEqual, useView } from '@dungeon-lab/client-react';
import type { JsonObject } from '@dungeon-lab/events';
import { BESTIARY } from '@dungeon-lab/plugin-dnd5e';
import { type ReactNode, useId, useState } from 'react';
import { usePrefs } from '../app/prefs.ts';
import { ChatPanel } from '../chat/ChatPanel.tsx';
import { CharacterDialog } from './CharacterDialog.tsx';
import { ScenePanel } from './ScenePanel.tsx';
import { SelectedPanel } from './SelectedPanel.tsx';
import { useHasGmLayer } from './use-layer.ts';
import { useTableUi } from './table-ui.ts';
import { type Member, useMembers } from './use-members.ts';
import { useViewer } from './use-role.ts';
import { useFocusToken } from './use-focus-token.ts';

type Tab = 'tokens' | 'chat' | 'players' | 'scene';

/** Chat entries that arrived since the chat panel last showed them (secret rolls count only in the panel). */
function useUnread(): number {
  const total = useView((v) => (Array.isArray(v.chat) ? v.chat.length : 0) + (Array.isArray(v.dice) ? v.dice.length : 0));
  const read = useTableUi((s) => s.chatRead);
  return Math.max(0, total - read);
}

function focusBoard(): void {
  document.querySelector<HTMLElement>('.board')?.focus({ preventScroll: true });
}

export function Sidebar(): ReactNode {
  const open = usePrefs((s) => s.sidebarOpen);
  const stored = usePrefs((s) => s.sidebarTab);
  const setPrefs = usePrefs((s) => s.set);
  const { isGm } = useViewer();
  const unread = useUnread();
  const chatLabel = unread > 0 ? `Chat (${unread})` : 'Chat';
  const tabs: readonly { id: Tab; label: string }[] = isGm
    ? [
        { id: 'tokens', label: 'Tokens' },
        { id: 'chat', label: chatLabel },
        { id: 'players', label: 'Players' },
        { id: 'scene', label: 'Scene' },
      ]
    : [
        { id: 'tokens', label: 'Characters' },
        { id: 'chat', label: chatLabel },
        { id: 'players', label: 'Players' },
      ];
  const tab = tabs.some((t) => t.id === stored) ? stored : 'tokens';
  const base = useId();
  return (
    <aside className={`sidebar${open ? '' : ' collapsed'}`} aria-label="Table tools">
      <button
        type="button"
        className="sidebar-toggle"
        aria-expanded={open}
        aria-label={open ? 'Hide the side panel' : 'Show the side panel'}
        onClick={() => setPrefs({ sidebarOpen: !open })}
      >
        {open ? '›' : '‹'}
      </button>
      {open && (
        <>
          <div role="tablist" className="tabs" aria-label="Panels">
            {tabs.map((t) => (
              <button
                key={t.id}
                role="tab"
                type="button"
                id={`${base}-${t.id}`}
                aria-selected={tab === t.id}
                aria-controls={`${base}-${t.id}-panel`}
                onClick={() => setPrefs({ sidebarTab: t.id })}
              >
                {t.label}
              </button>
            ))}
          </div>
          <div role="tabpanel" id={`${base}-${tab}-panel`} aria-labelledby={`${base}-${tab}`} className="tab-panel">
            {tab === 'tokens' && (isGm ? <GmTokens /> : <PlayerCharacters />)}
            {tab === 'chat' && <ChatPanel />}
            {tab === 'players' && <Players />}
            {tab === 'scene' && isGm && <ScenePanel />}
          </div>
        </>
      )}
      <CharacterDialog />
    </aside>
  );
}

function GmTokens(): ReactNode {
  const placing = useTableUi((s) => s.placing);
  const setPlacing = useTableUi((s) => s.setPlacing);
  const setDialog = useTableUi((s) => s.setDialog);
  const hasGm = useHasGmLayer();
  const [hidden, setHidden] = useState(false);
  return (
    <>
      <SelectedPanel />
      <section className="panel-section" aria-labelledby="bestiary-title">
        <h2 id="bestiary-title">Bestiary</h2>
        <p className="muted small">Pick a creature, then click the map where it stands.</p>
        {hasGm && (
          <label className="check-field">
            <input type="checkbox" checked={hidden} onChange={(e) => setHidden(e.target.checked)} /> Place hidden — only you see it until you reveal it
          </label>
        )}
        <ul className="bestiary">
          {BESTIARY.map((b) => {
            const active = placing?.kind === 'monster' && placing.entryId === b.id;
            return (
              <li key={b.id}>
                <button
                  type="button"
                  className="bestiary-entry"
                  aria-pressed={active}
                  onClick={() => {
                    setPlacing(active ? null : { kind: 'monster', entryId: b.id, hidden: hidden && hasGm });
                    // The board takes the keyboard next: Enter places in the middle of the view, Esc cancels.
                    if (!active) focusBoard();
                  }}
                  aria-label={`Place ${b.name}${hidden && hasGm ? ' hidden' : ''}`}
                >
                  <span className="entry-name">{b.name}</span>
                  <span className="entry-stats">
                    CR {b.challenge} · AC {String(b.actor.ac)} · HP {String((b.actor.hp as JsonObject).max)}
                    {b.size > 1 ? ' · Large' : ''}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      </section>
      <section className="panel-section" aria-labelledby="characters-title">
        <div className="section-head">
          <h2 id="characters-title">Characters</h2>
          <button type="button" className="small-button" onClick={() => setDialog('new-character')}>
            New character
          </button>
        </div>
        <CharacterList all />
      </section>
    </>
  );
}

function PlayerCharacters(): ReactNode {
  return (
    <>
      <SelectedPanel />
      <section className="panel-section" aria-labelledby="mine-title">
        <h2 id="mine-title">Your characters</h2>
        <CharacterList all={false} />
      </section>
    </>
  );
}

interface CharacterRow {
  readonly actorId: string;
  readonly name: string;
  readonly ownerId: string | null;
  readonly tokenIds: readonly string[];
}

function characterRows(view: JsonObject): readonly CharacterRow[] {
  const actors = (view.actors ?? {}) as Record<string, JsonObject>;
  const tokens = (view.tokens ?? {}) as Record<string, JsonObject>;
  const rows: CharacterRow[] = [];
  for (const [actorId, actor] of Object.entries(actors)) {
    if (actor?.kind !== 'character') continue;
    const tokenIds = Object.entries(tokens)
      .filter(([, t]) => t?.actorId === actorId)
      .map(([id]) => id)
      .sort();
    rows.push({ actorId, name: typeof actor.name === 'string' ? actor.name : '?', ownerId: typeof actor.ownerId === 'string' ? actor.ownerId : null, tokenIds });
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}

const sameRows = (a: readonly CharacterRow[], b: readonly CharacterRow[]) =>
  a.length === b.length && a.every((r, i) => r.actorId === b[i]!.actorId && r.name === b[i]!.name && r.ownerId === b[i]!.ownerId && shallowEqual(r.tokenIds, b[i]!.tokenIds));

function CharacterList({ all }: { readonly all: boolean }): ReactNode {
  const rows = useView(characterRows, sameRows);
  const members = useMembers();
  const { userId, isGm } = useViewer();
  const setPlacing = useTableUi((s) => s.setPlacing);
  const focus = useFocusToken();
  const shown = all ? rows : rows.filter((r) => r.ownerId === userId);
  if (shown.length === 0) return <p className="muted small">{all ? 'No characters yet.' : 'The GM has not given you a character yet.'}</p>;
  const nameOf = (id: string | null) => (id === null ? 'Game master' : (members?.find((m) => m.userId === id)?.name ?? 'a player'));
  return (
    <ul className="character-list">
      {shown.map((r) => (
        <li key={r.actorId}>
          <span className="entry-name">{r.name}</span>
          {all && <span className="muted small">{nameOf(r.ownerId)}</span>}
          <span className="row-actions">
            {r.tokenIds.length > 0 ? (
              <button type="button" className="small-button" onClick={() => focus(r.tokenIds[0]!)} aria-label={`Find ${r.name} on the map`}>
                Find
              </button>
            ) : (
              isGm && (
                <button
                  type="button"
                  className="small-button"
                  onClick={() => {
                    setPlacing({ kind: 'character', actorId: r.actorId });
                    focusBoard();
                  }}
                  aria-label={`Place ${r.name} on the map`}
                >
                  Place
                </button>
              )
            )}
          </span>
        </li>
      ))}
    </ul>
  );
}

function Players(): ReactNode {
  const members = useMembers();
  if (members === null) return <p className="muted">Loading the players…</p>;
  return (
    <ul className="member-list" aria-label="Members of this game">
      {members.map((m: Member) => (
        <li key={m.userId} data-member={m.name}>
          <span className={`presence-dot${m.online ? ' online' : ''}`} aria-hidden="true" />
          <span className="entry-name">{m.name}</span>
          <span className={`role-badge role-${m.role}`}>{m.role === 'gm' ? 'GM' : 'Player'}</span>
          <span className="visually-hidden">{m.online ? 'at the table' : 'away'}</span>
        </li>
      ))}
    </ul>
  );
}
