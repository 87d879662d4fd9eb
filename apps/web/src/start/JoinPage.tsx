import { type FormEvent, type ReactNode, useState } from 'react';
import { explain } from '../app/api-errors.ts';
import { freshToken, originApi, useIdentity } from '../app/identity.ts';
import { usePrefs } from '../app/prefs.ts';
import { navigate, tablePath } from '../app/router.ts';
import { Brand } from './Brand.tsx';
import { TokenSignIn } from './TokenSignIn.tsx';
import { nameProblem, signInAs } from './sign-in.ts';

/** The page an invite link opens: who you are, then into the game. */
export function JoinPage({ sessionId, code }: { readonly sessionId: string; readonly code: string | null }): ReactNode {
  const identity = useIdentity((s) => s.identity);
  const lastName = usePrefs((s) => s.lastName);
  const [name, setName] = useState(identity?.name ?? lastName);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [needsToken, setNeedsToken] = useState(false);

  if (code === null || code.trim() === '') {
    return (
      <main className="start-page">
        <Brand />
        <section className="card" role="alert">
          <h2>This invite link is incomplete</h2>
          <p>It has no invite code. Ask your game master to copy the whole link again.</p>
          <button type="button" className="primary" onClick={() => navigate('/')}>
            Back to the start page
          </button>
        </section>
      </main>
    );
  }

  if (needsToken && identity === null) {
    return (
      <main className="start-page">
        <Brand />
        <TokenSignIn onSignedIn={() => setNeedsToken(false)} />
      </main>
    );
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    // Joining under another name is signing in as another person.
    const wanted = name.trim();
    if (identity === null || (identity.source === 'dev-login' && identity.name !== wanted)) {
      const problem = nameProblem(wanted);
      if (problem) return setError(problem);
    }
    setBusy(true);
    try {
      if (identity === null || (identity.source === 'dev-login' && identity.name !== wanted)) {
        const outcome = await signInAs(wanted);
        if (!outcome.ok) {
          if (outcome.needsToken) setNeedsToken(true);
          return setError(outcome.message);
        }
      }
      const joined = await originApi(freshToken).joinSession(sessionId, code);
      if (!joined.ok) return setError(explain(joined, 'join'));
      navigate(tablePath(sessionId), { replace: true });
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="start-page">
      <Brand />
      <section className="card join-card" aria-labelledby="join-heading">
        <h2 id="join-heading">You are invited to a game</h2>
        <p className="card-hint">Choose the name the table will see, then step in.</p>
        <form onSubmit={(e) => void submit(e)} noValidate>
          {identity?.source === 'pasted' ? (
            <p>
              Joining as <strong>{identity.name}</strong>.
            </p>
          ) : (
            <label className="field" htmlFor="join-name">
              <span>Your name</span>
              <input id="join-name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="nickname" maxLength={64} autoFocus />
            </label>
          )}
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          <div className="form-actions">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Joining…' : 'Join the game'}
            </button>
            <button type="button" onClick={() => navigate('/')}>
              Back
            </button>
          </div>
        </form>
      </section>
    </main>
  );
}
