import { type FormEvent, type ReactNode, useState } from 'react';
import { signInWithToken } from './sign-in.ts';

/** Sign-in on a server without development logins: the access token its identity provider issued. */
export function TokenSignIn({ onSignedIn }: { readonly onSignedIn: () => void }): ReactNode {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const outcome = await signInWithToken(token);
    setBusy(false);
    if (outcome.ok) onSignedIn();
    else setError(outcome.message);
  };
  return (
    <section className="card" aria-labelledby="token-title">
      <h2 id="token-title">Sign in</h2>
      <p className="card-hint">This server signs people in through its own identity provider. Paste the access token it gave you.</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <label className="field" htmlFor="access-token">
          <span>Access token</span>
          <textarea id="access-token" value={token} onChange={(e) => setToken(e.target.value)} rows={4} spellCheck={false} />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </section>
  );
}
