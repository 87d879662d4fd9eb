import type { PendingIntent, ReadableValue } from '@dungeon-lab/client';
import { shallowEqual, usePendingIntents, useSelected, useSessionClient, useSyncState, useView } from '@dungeon-lab/client-react';
import { DiceNotationError, type JsonObject, type JsonValue, parseDice } from '@dungeon-lab/events';
import { type FormEvent, type ReactNode, memo, useEffect, useMemo, useState } from 'react';
import { useTableUi } from '../table/table-ui.ts';
import { useMembers } from '../table/use-members.ts';
import { useViewer } from '../table/use-role.ts';
import { SYSTEMS } from '../systems/index.ts';
import { RollCard } from './RollCard.tsx';
import { VirtualFeed } from './VirtualFeed.tsx';
import { type FeedEntry, feedOf, parseCommand } from './feed.ts';

const DICE = [4, 6, 8, 10, 12, 20, 100] as const;
const NO_DOC: ReadableValue<JsonObject> = { get: () => ({}), subscribe: () => () => undefined };

/** Secret rolls (in the GM document) for a GM whose client holds it; nothing otherwise. */
function useSecretDice(): JsonValue | undefined {
  const client = useSessionClient();
  const source = client.docNames.includes('gm') ? client.json('gm') : NO_DOC;
  return useSelected(source, (gm) => gm.dice);
}

/** Secret rolls made offline or in flight: the server has not written them to the GM document yet. */
function pendingSecretRolls(pending: readonly PendingIntent[], userId: string): FeedEntry[] {
  return pending.flatMap((p) => {
    const payload = p.intent.payload as { notation?: unknown; label?: unknown; secret?: unknown };
    if (p.intent.type !== 'dice:roll' || payload.secret !== true || typeof payload.notation !== 'string') return [];
    return [{ kind: 'roll', id: p.intent.id, userId, timestamp: 0, sequence: null, notation: payload.notation, label: typeof payload.label === 'string' ? payload.label : null, total: null, modifier: 0, terms: [], secret: true }];
  });
}

/**
 * Chat and dice: the session's messages and rolls in the server's order,
 * this user's unsequenced ones marked as pending (offline they wait on this
 * device and go out on reconnect), a Retry on any the server has not
 * answered in time, `/roll` and `/gmroll` commands and dice buttons.
 */
export function ChatPanel(): ReactNode {
  const { userId, isGm } = useViewer();
  const [chat, dice] = useView((v) => [v.chat, v.dice] as const, shallowEqual);
  const secretDice = useSecretDice();
  const pending = usePendingIntents();
  const members = useMembers();
  const feed = useMemo(() => {
    const entries = feedOf({ chat: chat ?? [], dice: dice ?? [] }, secretDice);
    const shown = new Set(entries.map((e) => e.id));
    return [...entries, ...pendingSecretRolls(pending, userId).filter((e) => !shown.has(e.id))];
  }, [chat, dice, secretDice, pending, userId]);
  const states = useMemo(() => new Map(pending.map((p) => [p.intent.id, p.state])), [pending]);
  const names = useMemo(() => new Map((members ?? []).map((m) => [m.userId, m.name])), [members]);
  const markRead = useTableUi((s) => s.markChatRead);
  useEffect(() => markRead(feed.length), [feed.length, markRead]);

  return (
    <section className="chat-panel" aria-label="Chat and dice">
      {feed.length === 0 ? (
        <p className="muted small chat-empty">No messages yet. Say hello, or roll with /roll 1d20.</p>
      ) : (
        <VirtualFeed
          items={feed}
          keyOf={(e) => e.id}
          estimate={64}
          label="Messages and rolls"
          render={(e) => <FeedRow entry={e} name={names.get(e.userId) ?? (e.userId === userId ? 'You' : 'Someone')} own={e.userId === userId} state={states.get(e.id)} />}
        />
      )}
      <Composer isGm={isGm} />
    </section>
  );
}

const FeedRow = memo(function FeedRow({ entry, name, own, state }: { entry: FeedEntry; name: string; own: boolean; state: PendingIntent['state'] | undefined }): ReactNode {
  const client = useSessionClient();
  const failed = state === 'delivery-failed';
  const waiting = entry.sequence === null;
  return (
    <article className={`feed-entry${own ? ' own' : ''}${waiting ? ' pending' : ''}`} data-entry-id={entry.id} data-pending={waiting}>
      <header className="feed-meta">
        <span className="feed-author">{name}</span>
        {entry.timestamp > 0 && <time dateTime={new Date(entry.timestamp).toISOString()}>{new Date(entry.timestamp).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</time>}
        {waiting && !failed && <span className="pending-badge">{state === 'queued' ? 'On this device' : 'Sending…'}</span>}
        {failed && (
          <span className="failed-badge">
            Not delivered{' '}
            <button
              type="button"
              className="link-button"
              onClick={() => {
                client.connect();
                client.intents.retryNow();
              }}
            >
              Retry
            </button>
          </span>
        )}
      </header>
      {entry.kind === 'roll' ? <RollCard roll={entry} /> : <ChatBody entry={entry} waiting={waiting} />}
    </article>
  );
});

function Composer({ isGm }: { readonly isGm: boolean }): ReactNode {
  const client = useSessionClient();
  const state = useSyncState();
  const offline = state === 'OFFLINE' || state === 'CONNECTING';
  const [text, setText] = useState('');
  const [secret, setSecret] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const roll = (notation: string, label: string | undefined, inSecret: boolean): boolean => {
    try {
      parseDice(notation);
    } catch (err) {
      setError(err instanceof DiceNotationError ? `That is not a roll: ${err.message}` : String(err));
      return false;
    }
    if (inSecret && !isGm) {
      setError('Only the game master rolls in secret.');
      return false;
    }
    client.intents.submit('dice:roll', { notation, ...(label === undefined ? {} : { label }), ...(inSecret ? { secret: true } : {}) });
    return true;
  };

  const send = (e: FormEvent) => {
    e.preventDefault();
    const command = parseCommand(text);
    if (command === null) return;
    if (command.kind === 'error') return setError(command.message);
    if (command.kind === 'roll') {
      if (!roll(command.notation, command.label, command.secret || secret)) return;
    } else client.intents.submit('chat:message', { text: command.text });
    setError(null);
    setText('');
  };

  return (
    <form className="composer" onSubmit={send} noValidate>
      <div className="dice-row" role="group" aria-label="Roll a die">
        {DICE.map((sides) => (
          <button key={sides} type="button" className="die-button" onClick={() => roll(`1d${sides}`, undefined, secret) && setError(null)} aria-label={`Roll a d${sides}${secret ? ' in secret' : ''}`}>
            d{sides}
          </button>
        ))}
        {isGm && (
          <label className="secret-toggle" title="Rolls only game masters see">
            <input type="checkbox" checked={secret} onChange={(e) => setSecret(e.target.checked)} /> Secret
          </label>
        )}
      </div>
      <div className="composer-row">
        <input
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setError(null);
          }}
          aria-label="Message, or /roll 2d20kh1+5 Perception"
          placeholder={isGm ? 'Message · /roll 1d20+5 · /gmroll' : 'Message · /roll 1d20+5 Perception'}
          maxLength={2000}
          aria-invalid={error !== null}
          aria-describedby={error ? 'composer-error' : undefined}
        />
        <button type="submit" className="primary">
          Send
        </button>
      </div>
      {error && (
        <p className="form-error small" id="composer-error" role="alert">
          {error}
        </p>
      )}
      {offline && <p className="muted small">Offline: what you send waits on this device and goes out when the connection is back.</p>}
    </form>
  );
}

/** A line of chat, or a game system's result card drawn by that system (plain text for one the app does not carry). */
function ChatBody({ entry, waiting }: { readonly entry: Extract<FeedEntry, { kind: 'chat' }>; readonly waiting: boolean }): ReactNode {
  const system = entry.card === null ? undefined : SYSTEMS.find((s) => s.pluginId === entry.card!.system);
  if (system === undefined || entry.card === null) return <p className="feed-text">{entry.text}</p>;
  return <system.Card card={entry.card} text={entry.text} pending={waiting} />;
}
