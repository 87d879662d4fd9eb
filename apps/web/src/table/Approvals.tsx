import type { ApprovalRequest } from '@dungeon-lab/client';
import type { JsonPatchOp } from '@dungeon-lab/events';
import { useApprovals, useSessionClient } from '@dungeon-lab/client-react';
import { type ReactNode, useState } from 'react';
import { Dialog } from '../app/Dialog.tsx';
import { toast } from '../app/toasts.ts';
import { useTableUi } from './table-ui.ts';
import { useIntentWords } from './use-intent-words.ts';
import { useMembers } from './use-members.ts';
import { useViewer } from './use-role.ts';

/** Always in the GM's top bar: how many critical intents wait for a decision ([APP14]). */
export function ApprovalsBadge(): ReactNode {
  const { isGm } = useViewer();
  const approvals = useApprovals();
  const setDialog = useTableUi((s) => s.setDialog);
  if (!isGm) return null;
  const n = approvals.length;
  return (
    <button type="button" className={`approvals-badge${n > 0 ? ' waiting' : ''}`} onClick={() => setDialog('approvals')} aria-label={`Approvals: ${n} waiting`} data-approvals={n}>
      Approvals{n > 0 && <span className="count">{n}</span>}
    </button>
  );
}

/**
 * The GM's approval queue ([APP14]): each critical intent with who asked,
 * what they asked, why it waits (the rules' summary), the effect it would
 * have and the state now; Approve, Edit then approve, or Deny with a reason.
 * The queue is the server's (it survives reloads and restarts).
 */
export function ApprovalsDialog(): ReactNode {
  const open = useTableUi((s) => s.dialog === 'approvals');
  const setDialog = useTableUi((s) => s.setDialog);
  const approvals = useApprovals();
  if (!open) return null;
  return (
    <Dialog title="Waiting for your approval" onClose={() => setDialog(null)} wide>
      {approvals.length === 0 ? (
        <p className="muted">Nothing waits for you. Critical actions (a character’s death) appear here when someone takes one.</p>
      ) : (
        <ul className="approval-list">
          {approvals.map((a) => (
            <ApprovalItem key={a.entry.event.sequence} request={a} />
          ))}
        </ul>
      )}
    </Dialog>
  );
}

function describeOp(op: JsonPatchOp): string {
  const value = 'value' in op ? ` = ${JSON.stringify(op.value)}` : '';
  return `${op.op} ${op.path}${value}`;
}

function ApprovalItem({ request }: { readonly request: ApprovalRequest }): ReactNode {
  const client = useSessionClient();
  const members = useMembers();
  const { entry, summary, current } = request;
  const who = members?.find((m) => m.userId === entry.event.userId)?.name ?? 'A player';
  const [what] = useIntentWords([entry.event]);
  const [mode, setMode] = useState<'view' | 'deny' | 'edit'>('view');
  const [reason, setReason] = useState('');
  const [patchText, setPatchText] = useState(() => JSON.stringify(entry.patch, null, 2));
  const [error, setError] = useState<string | null>(null);
  const sequence = entry.event.sequence;
  const decide = (decision: 'approve' | 'deny', options: { reason?: string; patch?: JsonPatchOp[] } = {}) => {
    void client.resolveApproval(sequence, decision, options).result.then((ack) => {
      if (!ack.success) setError(ack.detail ?? ack.reason);
      else toast({ tone: 'success', title: decision === 'approve' ? 'Approved' : 'Denied', detail: summary });
    });
  };
  return (
    <li className="approval" data-approval-sequence={sequence}>
      <p className="approval-summary">
        <strong>{who}</strong>: {summary}
      </p>
      <p className="muted small">
        #{sequence} · {what}
      </p>
      <details>
        <summary>Effect and current state</summary>
        <ul className="patch-list">
          {entry.patch.filter((op) => !op.path.startsWith('/chat')).map((op, i) => (
            <li key={i}>
              <code>{describeOp(op)}</code>
            </li>
          ))}
        </ul>
        <pre className="current-state">{JSON.stringify(current, null, 2)}</pre>
      </details>
      {mode === 'deny' && (
        <label className="field">
          <span>Why (the player sees this)</span>
          <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} autoFocus />
        </label>
      )}
      {mode === 'edit' && (
        <label className="field">
          <span>The effect to apply (JSON Patch)</span>
          <textarea value={patchText} onChange={(e) => setPatchText(e.target.value)} rows={8} spellCheck={false} />
        </label>
      )}
      {error && (
        <p className="form-error small" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        {mode === 'view' && (
          <>
            <button type="button" className="primary" onClick={() => decide('approve')}>
              Approve
            </button>
            <button type="button" onClick={() => setMode('edit')}>
              Edit, then approve
            </button>
            <button type="button" className="danger" onClick={() => setMode('deny')}>
              Deny…
            </button>
          </>
        )}
        {mode === 'deny' && (
          <>
            <button
              type="button"
              className="danger"
              onClick={() => (reason.trim() === '' ? setError('Say why: the player sees your reason.') : decide('deny', { reason: reason.trim() }))}
            >
              Deny
            </button>
            <button type="button" onClick={() => setMode('view')}>
              Back
            </button>
          </>
        )}
        {mode === 'edit' && (
          <>
            <button
              type="button"
              className="primary"
              onClick={() => {
                let patch: JsonPatchOp[];
                try {
                  patch = JSON.parse(patchText) as JsonPatchOp[];
                } catch {
                  return setError('That is not JSON.');
                }
                if (!Array.isArray(patch)) return setError('The effect is a list of JSON Patch operations.');
                decide('approve', { patch });
              }}
            >
              Approve the edited effect
            </button>
            <button type="button" onClick={() => setMode('view')}>
              Back
            </button>
          </>
        )}
      </div>
    </li>
  );
}
