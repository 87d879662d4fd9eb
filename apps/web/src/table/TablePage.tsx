import { GM_DOC, SessionClient, TABLE_DOC } from '@dungeon-lab/client';
import { SessionProvider } from '@dungeon-lab/client-react';
import { dnd5ePlugin } from '@dungeon-lab/plugin-dnd5e';
import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { freshToken, useIdentity } from '../app/identity.ts';
import { usePrefs } from '../app/prefs.ts';
import { navigate } from '../app/router.ts';
import { useSessionMemory } from '../app/session-memory.ts';
import { exposeClient } from '../app/test-hook.ts';
import { Brand } from '../start/Brand.tsx';
import { nameProblem, signInAs } from '../start/sign-in.ts';
import { TableScreen } from './TableScreen.tsx';
import { useTableUi } from './table-ui.ts';

/** Game systems the app predicts and acts with; the server runs the same set (GAME_SYSTEMS). */
const PLUGINS = [dnd5ePlugin];

/** `/s/:id`: the table of one session, for whoever this tab is signed in as. */
export function TablePage({ sessionId }: { readonly sessionId: string }): ReactNode {
  const identity = useIdentity((s) => s.identity);
  useEffect(() => useTableUi.getState().reset(), [sessionId]);
  const remembered = useSessionMemory((s) => (identity === null ? undefined : s.sessions[`${identity.userId}/${sessionId}`]));
  if (identity === null) return <SignInToOpen />;
  // A GM's client also holds the GM document (hidden tokens, secret rolls); a player's must not ask for it (the server refuses).
  const docs = remembered?.role === 'gm' ? [TABLE_DOC, GM_DOC] : [TABLE_DOC];
  return (
    <SessionProvider
      // Another session, another person or another role is another client, with its own documents and local storage.
      key={`${sessionId}/${identity.userId}/${docs.join('+')}`}
      create={() =>
        new SessionClient({
          serverUrl: window.location.origin,
          sessionId,
          token: freshToken,
          userId: identity.userId,
          // Until the server says again (a reload offline), the role it said last: a GM keeps their tools.
          ...(remembered === undefined ? {} : { role: remembered.role }),
          docs,
          plugins: PLUGINS,
        })
      }
      onClient={exposeClient}
      fallback={<div className="table-loading">Opening the table…</div>}
    >
      <TableScreen sessionId={sessionId} />
    </SessionProvider>
  );
}

/** A table link opened in a tab that is not signed in (a new tab: identities live per tab). */
function SignInToOpen(): ReactNode {
  const lastName = usePrefs((s) => s.lastName);
  const [name, setName] = useState(lastName);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const problem = nameProblem(name);
    if (problem) return setError(problem);
    setBusy(true);
    const outcome = await signInAs(name);
    setBusy(false);
    if (!outcome.ok) setError(outcome.needsToken ? 'This server needs an access token: sign in from the start page.' : outcome.message);
  };
  return (
    <main className="start-page">
      <Brand />
      <section className="card" aria-labelledby="open-title">
        <h2 id="open-title">Sign in to open this game</h2>
        <p className="card-hint">Each browser tab signs in on its own. Use the name you joined with.</p>
        <form onSubmit={(e) => void submit(e)} noValidate>
          <label className="field" htmlFor="open-name">
            <span>Your name</span>
            <input id="open-name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="nickname" maxLength={64} autoFocus />
          </label>
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          <div className="form-actions">
            <button type="submit" className="primary" disabled={busy}>
              Open the game
            </button>
            <button type="button" onClick={() => navigate('/')}>
              Back to the start page
            </button>
          </div>
        </form>
      </section>
    </main>
  );
}
