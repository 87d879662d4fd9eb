import type { SyncState } from '@dungeon-lab/client';
import { useClientEvent, usePendingChanges, usePendingIntents, useSessionClient, useSyncState, useValue } from '@dungeon-lab/client-react';
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';

/** After this long without reaching the server, the badge says so plainly and offers a retry. */
const STUCK_AFTER_MS = 10_000;

interface Look {
  readonly text: string;
  readonly tone: 'ok' | 'busy' | 'warn' | 'bad';
}

function lookOf(state: SyncState, pending: number, stuck: boolean): Look {
  const changes = pending === 1 ? '1 change' : `${pending} changes`;
  if (state === 'OFFLINE' && stuck) return { text: pending > 0 ? `Can’t reach the server — ${changes} on this device` : 'Can’t reach the server — retrying', tone: 'bad' };
  if (state === 'OFFLINE') return { text: pending > 0 ? `Offline — ${changes} on this device` : 'Offline', tone: 'warn' };
  if (state === 'CONNECTING') return stuck ? { text: 'Can’t reach the server — retrying', tone: 'bad' } : { text: 'Connecting…', tone: 'busy' };
  if (state === 'SYNCING') return { text: 'Syncing…', tone: 'busy' };
  if (state === 'OUT_OF_SYNC' || state === 'RESYNCING') return { text: 'Re-syncing…', tone: 'warn' };
  return pending > 0 ? { text: `Saving… ${pending}`, tone: 'busy' } : { text: 'Saved', tone: 'ok' };
}

const STATE_NAMES: Readonly<Record<SyncState, string>> = {
  CONNECTING: 'connecting',
  SYNCING: 'syncing',
  SYNCED: 'synced',
  OUT_OF_SYNC: 'out of sync',
  RESYNCING: 'resyncing',
  OFFLINE: 'offline',
};

/**
 * Whether the table has not been in sync for long: reconnect attempts flip
 * between connecting and offline, so the clock runs from the last time it
 * was SYNCED, not from the last change of state.
 */
function useStuck(state: SyncState): boolean {
  const synced = state === 'SYNCED';
  const [stuck, setStuck] = useState(false);
  useEffect(() => {
    setStuck(false);
    if (synced) return;
    const timer = setTimeout(() => setStuck(true), STUCK_AFTER_MS);
    return () => clearTimeout(timer);
  }, [synced]);
  return stuck;
}

/**
 * Always on screen: the sync state in words (never colour alone), what is
 * not saved yet (edits and actions), and when the server last confirmed a
 * save; a click opens the details per document and a way to retry.
 */
export function SyncBadge(): ReactNode {
  const client = useSessionClient();
  const state = useSyncState();
  const changes = usePendingChanges();
  const intents = usePendingIntents().length;
  const pending = changes + intents;
  const stuck = useStuck(state);
  const [lastSaved, setLastSaved] = useState<Date | null>(null);
  useClientEvent('saved', () => setLastSaved(new Date()));
  const [open, setOpen] = useState(false);
  const popoverId = useId();
  const look = lookOf(state, pending, stuck);
  const announced = useRef<SyncState>(state);
  const [announcement, setAnnouncement] = useState('');
  useEffect(() => {
    // Say it once when the table goes offline or out of sync and when it comes back; counts changing are noise.
    const was = announced.current;
    announced.current = state;
    if (state === 'OFFLINE' && was !== 'OFFLINE') setAnnouncement('Offline. Your changes stay on this device until the connection is back.');
    else if (state === 'SYNCED' && (was === 'OFFLINE' || was === 'RESYNCING' || was === 'OUT_OF_SYNC')) setAnnouncement('Back online and in sync.');
  }, [state]);

  return (
    <div className="sync">
      <button
        type="button"
        className={`sync-badge tone-${look.tone}`}
        data-sync-state={state.toLowerCase()}
        data-pending={pending}
        aria-expanded={open}
        aria-controls={popoverId}
        aria-label={`Sync: ${look.text}${lastSaved ? `, last saved ${lastSaved.toLocaleTimeString()}` : ''}. Show details`}
        onClick={() => setOpen((o) => !o)}
      >
        <span className="sync-dot" aria-hidden="true" />
        <span className="sync-text">{look.text}</span>
        {lastSaved && state === 'SYNCED' && pending === 0 && <span className="sync-time">{lastSaved.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</span>}
      </button>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      {open && (
        <div className="popover sync-details" id={popoverId} role="dialog" aria-label="Sync details">
          <h3>Sync</h3>
          <dl>
            {client.docNames.map((doc) => (
              <DocRow key={doc} doc={doc} />
            ))}
            <dt>Actions waiting for the server</dt>
            <dd data-testid="pending-intents">{intents}</dd>
            <dt>Last saved</dt>
            <dd>{lastSaved ? lastSaved.toLocaleTimeString() : 'not yet in this visit'}</dd>
          </dl>
          {state !== 'SYNCED' && (
            <button
              type="button"
              className="primary"
              onClick={() => {
                client.connect();
                client.resync();
              }}
            >
              Retry now
            </button>
          )}
          <p className="muted small">Changes are kept on this device and sent when the server can take them: nothing is lost offline.</p>
        </div>
      )}
    </div>
  );
}

function DocRow({ doc }: { readonly doc: string }): ReactNode {
  const client = useSessionClient();
  const state = useValue(client.docState(doc));
  const pending = useValue(client.docPendingChanges(doc));
  return (
    <>
      <dt>{doc === 'table' ? 'Table' : doc}</dt>
      <dd data-doc={doc} data-doc-state={state.toLowerCase()}>
        {STATE_NAMES[state]}
        {pending > 0 ? `, ${pending} unsaved` : ''}
      </dd>
    </>
  );
}
