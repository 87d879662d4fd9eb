import type { AuditEntry } from '@dungeon-lab/client';
import { useLog, useSessionClient } from '@dungeon-lab/client-react';
import { type ReactNode, useMemo, useState } from 'react';
import { Dialog } from '../app/Dialog.tsx';
import { useTableUi } from './table-ui.ts';
import { useMembers } from './use-members.ts';
import { useIntentWords } from './use-intent-words.ts';

type Outcome = 'all' | 'applied' | 'rejected' | 'awaiting-approval' | 'approved' | 'denied';

const OUTCOMES: readonly { readonly value: Outcome; readonly label: string }[] = [
  { value: 'all', label: 'Everything' },
  { value: 'applied', label: 'Applied' },
  { value: 'rejected', label: 'Rejected' },
  { value: 'awaiting-approval', label: 'Waiting for the GM' },
  { value: 'approved', label: 'Approved' },
  { value: 'denied', label: 'Denied' },
];

const PAGE = 100;

/**
 * The session's event log as a panel ([APP16]): sequence, who, what, and
 * the outcome with its reason, filterable, paging back through the server's
 * history. A player's log never holds entries the server keeps for GMs (it
 * redacts them, [EL17]).
 */
export function SessionLog(): ReactNode {
  const open = useTableUi((s) => s.dialog === 'log');
  const setDialog = useTableUi((s) => s.setDialog);
  if (!open) return null;
  return (
    <Dialog title="Session log" onClose={() => setDialog(null)} wide>
      <LogBody />
    </Dialog>
  );
}

function LogBody(): ReactNode {
  const client = useSessionClient();
  const live = useLog();
  const members = useMembers();
  const [older, setOlder] = useState<readonly AuditEntry[]>([]);
  const [outcome, setOutcome] = useState<Outcome>('all');
  const [text, setText] = useState('');
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const entries = useMemo(() => {
    const bySequence = new Map<number, AuditEntry>();
    for (const e of [...older, ...live]) bySequence.set(e.sequence, e);
    return [...bySequence.values()].sort((a, b) => b.sequence - a.sequence);
  }, [older, live]);
  const oldest = entries.at(-1)?.sequence ?? null;
  const names = new Map((members ?? []).map((m) => [m.userId, m.name]));
  const said = useIntentWords(entries);
  const words = useMemo(() => new Map(entries.map((e, i) => [e.sequence, said[i]!])), [entries, said]);
  const what = (e: AuditEntry): string => words.get(e.sequence) ?? e.type;
  const shown = entries.filter((e) => (outcome === 'all' || e.status === outcome) && (text === '' || `${e.type} ${what(e)}`.toLowerCase().includes(text.toLowerCase())));

  const loadOlder = async () => {
    const from = oldest === null ? 1 : Math.max(1, oldest - PAGE);
    setLoading(true);
    const page = await client.fetchLog(from, PAGE);
    setLoading(false);
    if (!page.ok) return setError(page.status === 0 ? 'The server cannot be reached; the log pages back when it can.' : page.error);
    setError(null);
    setOlder((o) => [...o, ...page.data.entries]);
  };

  return (
    <div className="session-log">
      <div className="log-filters">
        <label className="field">
          <span>Show</span>
          <select value={outcome} onChange={(e) => setOutcome(e.target.value as Outcome)}>
            {OUTCOMES.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Find</span>
          <input value={text} onChange={(e) => setText(e.target.value)} placeholder="attack, Thorin, 1d20…" />
        </label>
      </div>
      <table className="log-table">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((e) => (
            <tr key={e.sequence} data-log-sequence={e.sequence}>
              <td>{e.sequence}</td>
              <td>{names.get(e.userId) ?? 'someone'}</td>
              <td>{what(e)}</td>
              <td>
                <span className={`outcome outcome-${e.status}`}>{OUTCOMES.find((o) => o.value === e.status)?.label ?? e.status}</span>
                {e.reason && <span className="muted small"> — {e.reason}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown.length === 0 && <p className="muted">Nothing in the log{outcome === 'all' && text === '' ? ' yet' : ' matches'}.</p>}
      {error && (
        <p className="form-error small" role="alert">
          {error}
        </p>
      )}
      {oldest !== 1 && (
        <button type="button" onClick={() => void loadOlder()} disabled={loading}>
          {loading ? 'Loading…' : 'Load older entries'}
        </button>
      )}
    </div>
  );
}
