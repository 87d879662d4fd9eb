import { shallowEqual, useAwareness, useSessionInfo } from '@dungeon-lab/client-react';
import type { ReactNode } from 'react';
import { navigate } from '../app/router.ts';
import { rememberedSession } from '../app/session-memory.ts';
import { useTable } from './table-context.ts';
import { ApprovalsBadge } from './Approvals.tsx';
import { InviteButton } from './InviteButton.tsx';
import { SyncBadge } from './SyncBadge.tsx';
import { initialsOf } from './colors.ts';
import { readPresence } from './presence.ts';
import { useTableUi } from './table-ui.ts';
import { useViewer } from './use-role.ts';

export function TopBar(): ReactNode {
  const info = useSessionInfo();
  const { userId, isGm } = useViewer();
  const { sessionId } = useTable();
  const name = info?.name ?? rememberedSession(userId, sessionId)?.name ?? 'Opening…';
  const setDialog = useTableUi((s) => s.setDialog);
  return (
    <header className="top-bar">
      <button type="button" className="home-button" onClick={() => navigate('/')} aria-label="Leave the table for the start page" title="Your games">
        <svg viewBox="0 0 64 64" aria-hidden="true">
          <path d="M32 8 54 20v24L32 56 10 44V20Z" fill="none" stroke="currentColor" strokeWidth="5" strokeLinejoin="round" />
        </svg>
      </button>
      <div className="session-title">
        <h1>{name}</h1>
        <span className={`role-badge role-${isGm ? 'gm' : 'player'}`}>{isGm ? 'Game master' : 'Player'}</span>
      </div>
      <Participants />
      <div className="top-actions">
        {isGm && <InviteButton />}
        <ApprovalsBadge />
        <button type="button" onClick={() => setDialog('log')} title="The session's log of actions">
          Log
        </button>
        <SyncBadge />
        <button type="button" className="icon-button" onClick={() => setDialog('help')} aria-label="Keyboard shortcuts and help" title="Help (?)">
          ?
        </button>
      </div>
    </header>
  );
}

interface Participant {
  readonly id: string;
  readonly name: string;
  readonly color: string;
  readonly gm: boolean;
}

function participantsOf(states: ReadonlyMap<number, Readonly<Record<string, unknown>>>): readonly Participant[] {
  const byUser = new Map<string, Participant>();
  for (const state of states.values()) {
    const p = readPresence(state);
    if (p !== null) byUser.set(p.user.id, p.user);
  }
  return [...byUser.values()].sort((a, b) => Number(b.gm) - Number(a.gm) || a.name.localeCompare(b.name));
}

function sameParticipants(a: readonly Participant[], b: readonly Participant[]): boolean {
  return a.length === b.length && a.every((p, i) => shallowEqual(p, b[i]));
}

/** Who is at the table right now (one avatar a person, however many tabs). */
function Participants(): ReactNode {
  const people = useAwareness('table', participantsOf, sameParticipants);
  return (
    <ul className="participants" aria-label="At the table now">
      {people.map((p) => (
        <li key={p.id} className="avatar" style={{ background: p.color }} title={`${p.name}${p.gm ? ' (GM)' : ''}`} aria-label={`${p.name}${p.gm ? ', game master' : ''}`}>
          {initialsOf(p.name)}
        </li>
      ))}
    </ul>
  );
}
