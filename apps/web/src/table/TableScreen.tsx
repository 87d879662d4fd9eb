import { GM_DOC, TABLE_DOC, hasIndexedDb } from '@dungeon-lab/client';
import { useClientEvent, useSessionClient, useSessionInfo, useSyncState, useView } from '@dungeon-lab/client-react';
import { type ReactNode, useEffect, useMemo } from 'react';
import { useIdentity as useTabIdentity } from '../app/identity.ts';
import { rememberSession } from '../app/session-memory.ts';
import { toast } from '../app/toasts.ts';
import { Board } from './Board.tsx';
import { ApprovalsDialog } from './Approvals.tsx';
import { HelpDialog } from './HelpDialog.tsx';
import { SessionLog } from './SessionLog.tsx';
import { RefusalNotice } from './RefusalNotice.tsx';
import { Sidebar } from './Sidebar.tsx';
import { Toolbar } from './Toolbar.tsx';
import { TopBar } from './TopBar.tsx';
import { colorFor } from './colors.ts';
import { TableHistory } from './history.ts';
import { PresencePublisher } from './presence.ts';
import { readScene, sceneNeedsSetup } from './scene.ts';
import { TableCtx, type TableContext } from './table-context.ts';
import { updateScene } from './table-edits.ts';
import { useTableUi } from './table-ui.ts';
import { useTableShortcuts } from './use-table-shortcuts.ts';
import { useViewer } from './use-role.ts';

export function TableScreen({ sessionId }: { readonly sessionId: string }): ReactNode {
  const client = useSessionClient();
  const name = useTabIdentity((s) => s.identity?.name ?? 'Someone');
  const { userId, isGm } = useViewer();
  const hasGm = client.docNames.includes(GM_DOC);
  const [presence, gmPresence] = useMemo(() => {
    const user = { id: userId, name, color: colorFor(userId), gm: isGm };
    return [new PresencePublisher(client.awareness(TABLE_DOC), user), hasGm ? new PresencePublisher(client.awareness(GM_DOC), user) : null];
  }, [client, hasGm, userId, name, isGm]);
  useEffect(
    () => () => {
      presence.dispose();
      gmPresence?.dispose();
    },
    [presence, gmPresence],
  );
  // Others see what this user has selected (a ring in their colour): one place publishes every change of it,
  // hidden tokens' ids to the GM room only.
  useEffect(
    () =>
      useTableUi.subscribe((s, prev) => {
        if (s.selection === prev.selection) return;
        const hidden = hasGm ? ((client.json(GM_DOC).get().tokens ?? {}) as Record<string, unknown>) : {};
        presence.publish({ selection: s.selection.filter((id) => !(id in hidden)) });
        gmPresence?.publish({ selection: s.selection.filter((id) => id in hidden) });
      }),
    [client, hasGm, presence, gmPresence],
  );
  const history = useMemo(() => new TableHistory(client, client.docNames), [client]);
  useEffect(() => () => history.destroy(), [history]);
  const ctx = useMemo<TableContext>(
    () => ({
      sessionId,
      presence,
      presenceOf: (layer) => (layer === GM_DOC && gmPresence !== null ? gmPresence : presence),
      history,
      selfClientId: (layer = TABLE_DOC) => client.awareness(layer).clientID,
    }),
    [client, sessionId, presence, gmPresence, history],
  );

  useRememberSession(sessionId);
  useStorageWarning();
  useChatBaseline();
  useServerNotices();
  useSceneSetup();
  useTableShortcuts(history);

  return (
    <TableCtx.Provider value={ctx}>
      <div className="table-screen">
        <TopBar />
        <div className="table-body">
          <Toolbar />
          <Board />
          <Sidebar />
        </div>
        <HelpDialog />
        <ApprovalsDialog />
        <SessionLog />
        <RefusalNotice />
      </div>
    </TableCtx.Provider>
  );
}

/** What was already said when the table first synced is not news: the chat tab counts from there. */
function useChatBaseline(): void {
  const synced = useSyncState('table') === 'SYNCED';
  const client = useSessionClient();
  useEffect(() => {
    if (!synced || useTableUi.getState().chatRead > 0) return;
    const view = client.view.get();
    useTableUi.getState().markChatRead((Array.isArray(view.chat) ? view.chat.length : 0) + (Array.isArray(view.dice) ? view.dice.length : 0));
  }, [synced, client]);
}

/** Without IndexedDB the client keeps the game in memory only: say so once, since an offline reload would lose changes. */
function useStorageWarning(): void {
  useEffect(() => {
    if (hasIndexedDb()) return;
    toast({ tone: 'warning', sticky: true, title: 'This browser won’t keep offline changes', detail: 'It has no local database (a private window?). Play online, or changes made offline are lost on reload.' });
  }, []);
}

/** Keeps what the server says about this session for a reload without it (session-memory.ts). */
function useRememberSession(sessionId: string): void {
  const info = useSessionInfo();
  const { userId } = useViewer();
  useEffect(() => {
    if (info !== null) rememberSession(userId, sessionId, { name: info.name, role: info.role });
  }, [info, userId, sessionId]);
}

/** Refused edits and rejected intents become toasts that say why; the board itself shows the server's state again. */
function useServerNotices(): void {
  useClientEvent('write-denied', ({ reason }) =>
    toast({ tone: 'error', title: 'The server refused your change', detail: `${reason} The table shows the server’s version again.` }),
  );
  const client = useSessionClient();
  useEffect(
    () =>
      client.intents.on('rejected', ({ reason, detail }) => {
        toast({ tone: 'error', title: 'Action rejected', detail: detail ?? reason });
      }),
    [client],
  );
}

/**
 * A new session has no scene settings: the GM's client writes the defaults
 * (named after the session) once it has the server's document, so it never
 * overwrites settings it has not seen yet.
 */
function useSceneSetup(): void {
  const client = useSessionClient();
  const { isGm } = useViewer();
  const synced = useSyncState('table') === 'SYNCED';
  const needsSetup = useView((v) => sceneNeedsSetup(v.scene));
  const info = useSessionInfo();
  useEffect(() => {
    // After the session's name is known too: the first scene is named after the game.
    if (!isGm || !synced || !needsSetup || info === null) return;
    updateScene(client.doc('table'), { ...readScene(undefined), name: info.name });
  }, [client, isGm, synced, needsSetup, info]);
}
