import { useAwareness, usePendingIntents, useSessionClient } from '@dungeon-lab/client-react';
import { type ReactNode, useEffect } from 'react';
import { toast } from '../app/toasts.ts';
import { intentWords } from './intent-words.ts';
import { readPresence } from './presence.ts';
import { useIntentWords } from './use-intent-words.ts';


function gmHere(states: ReadonlyMap<number, Readonly<Record<string, unknown>>>): boolean {
  for (const state of states.values()) if (readPresence(state)?.user.gm === true) return true;
  return false;
}

/**
 * What a player's critical actions are waiting for ([APP15]): each is named,
 * and if no game master is at the table the strip says so honestly — the
 * rest of the game goes on without them (the server resolves every other
 * rule). The GM's decision arrives as a toast, a denial with its reason.
 */
export function WaitingForGm(): ReactNode {
  const client = useSessionClient();
  const waiting = usePendingIntents().filter((p) => p.state === 'awaiting-approval');
  const present = useAwareness('table', gmHere);
  const words = useIntentWords(waiting.map((p) => p.intent));
  useEffect(
    () =>
      client.intents.on('decided', (d) => {
        const what = intentWords(d.intent.type, d.intent.payload, client.view.get());
        if (d.decision === 'approved') toast({ tone: 'success', title: `The GM approved: ${what}` });
        else toast({ tone: 'error', title: `The GM denied: ${what}`, ...(d.reason === undefined ? {} : { detail: `“${d.reason}”` }) });
      }),
    [client],
  );
  if (waiting.length === 0) return null;
  return (
    <div className="waiting-strip" role="status" data-waiting={waiting.length}>
      <strong>{present ? 'Waiting for the GM' : 'Waiting for the GM to return'}</strong>
      <span>
        {words.join(', ')}
        {present ? ': the GM decides on it now.' : ': it waits safely until a game master is back; play goes on.'}
      </span>
    </div>
  );
}
