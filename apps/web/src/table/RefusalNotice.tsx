import { useRefusal, useSessionClient } from '@dungeon-lab/client-react';
import type { ReactNode } from 'react';
import { navigate } from '../app/router.ts';
import { signOut } from '../app/sign-out.ts';

/**
 * The server refused this table for good (an expired sign-in, not a member,
 * removed by the GM, a session that does not exist). The board stays visible
 * behind the notice; the notice says why and what to do.
 */
export function RefusalNotice(): ReactNode {
  const refusal = useRefusal();
  const client = useSessionClient();
  if (refusal === null) return null;
  const signIn = refusal.code === 4401;
  const removed = refusal.code === 4410;
  const title = signIn ? 'Please sign in again' : removed ? 'You were removed from this game' : 'You cannot open this game';
  const detail = signIn
    ? 'Your sign-in has expired or is no longer valid.'
    : removed
      ? 'The game master removed you from the players. Ask them for a new invite if this was a mistake.'
      : 'This game does not exist, or you are not one of its players. Check the link, or ask the game master for an invite.';
  return (
    <div className="refusal-backdrop">
      <section className="card refusal" role="alertdialog" aria-labelledby="refusal-title" aria-describedby="refusal-detail">
        <h2 id="refusal-title">{title}</h2>
        <p id="refusal-detail">{detail}</p>
        <p className="muted small">
          Server said: {refusal.code} {refusal.reason}
        </p>
        <div className="form-actions">
          {signIn ? (
            <button type="button" className="primary" onClick={() => void signOut()}>
              Sign in again
            </button>
          ) : (
            <button type="button" className="primary" onClick={() => navigate('/')}>
              Back to your games
            </button>
          )}
          <button type="button" onClick={() => client.connect()}>
            Try again
          </button>
        </div>
      </section>
    </div>
  );
}
