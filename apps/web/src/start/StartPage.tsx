import type { SessionSummary } from '@dungeon-lab/client';
import { type FormEvent, type ReactNode, useCallback, useEffect, useState } from 'react';
import { Dialog } from '../app/Dialog.tsx';
import { explain } from '../app/api-errors.ts';
import { freshToken, originApi, useIdentity } from '../app/identity.ts';
import { parseInvite } from '../app/invite.ts';
import { usePrefs } from '../app/prefs.ts';
import { joinPath, navigate, tablePath } from '../app/router.ts';
import { rememberSession } from '../app/session-memory.ts';
import { signOut } from '../app/sign-out.ts';
import { Brand } from './Brand.tsx';
import { TokenSignIn } from './TokenSignIn.tsx';
import { nameProblem, signInAs } from './sign-in.ts';

const MAX_SESSION_NAME = 100;

export function StartPage(): ReactNode {
  const identity = useIdentity((s) => s.identity);
  const lastName = usePrefs((s) => s.lastName);
  const [name, setName] = useState(identity?.name ?? lastName);
  const [needsToken, setNeedsToken] = useState(false);
  const [confirmSignOut, setConfirmSignOut] = useState(false);

  return (
    <main className="start-page">
      <Brand />
      {needsToken && identity === null ? (
        <TokenSignIn onSignedIn={() => setNeedsToken(false)} />
      ) : (
        <>
          <div className="start-grid">
            <CreateCard name={name} setName={setName} onNeedsToken={() => setNeedsToken(true)} />
            <JoinCard name={name} setName={setName} />
          </div>
          {identity !== null && <SessionList key={identity.userId} />}
        </>
      )}
      {identity !== null && (
        <p className="signed-in-as">
          Signed in as <strong>{identity.name}</strong> in this tab.{' '}
          <button type="button" className="link-button" onClick={() => setConfirmSignOut(true)}>
            Sign out
          </button>
        </p>
      )}
      {confirmSignOut && (
        <Dialog title="Sign out?" onClose={() => setConfirmSignOut(false)}>
          <p>Signing out removes your games’ data from this browser. Changes the server has not saved yet — made offline, say — are lost with it.</p>
          <div className="form-actions">
            <button
              type="button"
              className="primary"
              onClick={() => {
                setConfirmSignOut(false);
                void signOut();
              }}
            >
              Sign out
            </button>
            <button type="button" onClick={() => setConfirmSignOut(false)}>
              Stay signed in
            </button>
          </div>
        </Dialog>
      )}
    </main>
  );
}

interface NameProps {
  readonly name: string;
  readonly setName: (name: string) => void;
}

/** The player's name, asked only while this tab is not signed in. */
function NameField({ name, setName, id }: NameProps & { readonly id: string }): ReactNode {
  const identity = useIdentity((s) => s.identity);
  if (identity !== null) return null;
  return (
    <label className="field" htmlFor={id}>
      <span>Your name</span>
      <input id={id} value={name} onChange={(e) => setName(e.target.value)} autoComplete="nickname" maxLength={64} placeholder="e.g. Mira" />
    </label>
  );
}

function CreateCard({ name, setName, onNeedsToken }: NameProps & { readonly onNeedsToken: () => void }): ReactNode {
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const sessionName = title.trim();
    if (sessionName === '' || [...sessionName].length > MAX_SESSION_NAME) return setError(`Give the game a name of 1–${MAX_SESSION_NAME} characters.`);
    const problem = useIdentity.getState().identity === null ? nameProblem(name) : null;
    if (problem) return setError(problem);
    setBusy(true);
    setError(null);
    try {
      if (useIdentity.getState().identity === null) {
        const outcome = await signInAs(name);
        if (!outcome.ok) {
          if (outcome.needsToken) onNeedsToken();
          return setError(outcome.message);
        }
      }
      const created = await originApi(freshToken).createSession(sessionName);
      if (!created.ok) return setError(explain(created, 'create'));
      // The table opens with the GM's documents straight away.
      rememberSession(useIdentity.getState().identity!.userId, created.data.id, { name: created.data.name, role: created.data.role });
      navigate(tablePath(created.data.id));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="create-title">
      <h2 id="create-title">Start a new game</h2>
      <p className="card-hint">You will be its game master. Players join with the invite link you get next.</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <label className="field" htmlFor="session-name">
          <span>Game name</span>
          <input id="session-name" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={MAX_SESSION_NAME} placeholder="e.g. Curse of Strahd" />
        </label>
        <NameField name={name} setName={setName} id="create-your-name" />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create game'}
        </button>
      </form>
    </section>
  );
}

function JoinCard({ name, setName }: NameProps): ReactNode {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const invite = parseInvite(text);
    if (invite === null) return setError('Paste the invite link your GM sent (…/join/…?code=…), or the code that looks like abc123.K7M2P9QX4T.');
    // The join page asks for the name (if needed) and does the joining, for links and codes alike.
    navigate(joinPath(invite.sessionId, invite.code));
  };

  return (
    <section className="card" aria-labelledby="join-title">
      <h2 id="join-title">Join a game</h2>
      <p className="card-hint">Use the invite link or code your game master shared.</p>
      <form onSubmit={submit} noValidate>
        <label className="field" htmlFor="invite">
          <span>Invite link or code</span>
          <input id="invite" value={text} onChange={(e) => setText(e.target.value)} placeholder="https://…/join/…?code=…" autoComplete="off" spellCheck={false} />
        </label>
        <NameField name={name} setName={setName} id="join-your-name" />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary">
          Continue
        </button>
      </form>
    </section>
  );
}

type ListState = { readonly kind: 'loading' } | { readonly kind: 'loaded'; readonly sessions: readonly SessionSummary[] } | { readonly kind: 'failed'; readonly message: string };

function SessionList(): ReactNode {
  const identity = useIdentity((s) => s.identity);
  const [state, setState] = useState<ListState>({ kind: 'loading' });
  const load = useCallback(async () => {
    setState({ kind: 'loading' });
    const answer = await originApi(freshToken).listSessions();
    setState(answer.ok ? { kind: 'loaded', sessions: answer.data } : { kind: 'failed', message: explain(answer, 'load') });
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section className="card session-list" aria-labelledby="mine-title">
      <h2 id="mine-title">Your games</h2>
      {state.kind === 'loading' && <p className="muted">Loading your games…</p>}
      {state.kind === 'failed' && (
        <p className="form-error" role="alert">
          {state.message}{' '}
          <button type="button" className="link-button" onClick={() => void load()}>
            Try again
          </button>
        </p>
      )}
      {state.kind === 'loaded' && state.sessions.length === 0 && <p className="muted">No games yet: start one, or join with an invite.</p>}
      {state.kind === 'loaded' && state.sessions.length > 0 && (
        <ul>
          {state.sessions.map((s) => (
            <li key={s.id}>
              <a
                href={tablePath(s.id)}
                onClick={(e) => {
                  e.preventDefault();
                  rememberSession(identity!.userId, s.id, { name: s.name, role: s.role });
                  navigate(tablePath(s.id));
                }}
              >
                <span className="session-name">{s.name}</span>
                <span className={`role-badge role-${s.role}`}>{s.role === 'gm' ? 'GM' : 'Player'}</span>
                <span className="muted">joined {new Date(s.joinedAt).toLocaleDateString()}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
