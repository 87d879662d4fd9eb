import { useSessionInfo } from '@dungeon-lab/client-react';
import { type ReactNode, useState } from 'react';
import { inviteCode, inviteLink } from '../app/invite.ts';
import { toast } from '../app/toasts.ts';
import { useTable } from './table-context.ts';

/** The GM's invitation: the link to send and the short code to read out, each with a copy button. */
export function InviteButton(): ReactNode {
  const info = useSessionInfo();
  const { sessionId } = useTable();
  const [open, setOpen] = useState(false);
  if (info?.joinCode === undefined) return null;
  const invite = { sessionId, code: info.joinCode };
  const link = inviteLink(window.location.origin, invite);
  const code = inviteCode(invite);
  const copy = async (text: string, what: string) => {
    try {
      await navigator.clipboard.writeText(text);
      toast({ tone: 'success', title: `${what} copied` });
    } catch {
      toast({ tone: 'warning', title: `Could not copy the ${what.toLowerCase()}`, detail: 'Select it and copy it by hand.' });
    }
  };
  return (
    <div className="invite">
      <button type="button" className="primary" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        Invite players
      </button>
      {open && (
        <div className="popover invite-popover" role="dialog" aria-label="Invite players">
          <h3>Invite players</h3>
          <p className="muted small">Send this link. Whoever opens it chooses a name and joins as a player.</p>
          <div className="copy-row">
            <input readOnly value={link} aria-label="Invite link" onFocus={(e) => e.currentTarget.select()} data-testid="invite-link" />
            <button type="button" onClick={() => void copy(link, 'Link')}>
              Copy link
            </button>
          </div>
          <p className="muted small">Or read out the code; players paste it on the start page.</p>
          <div className="copy-row">
            <input readOnly value={code} aria-label="Invite code" onFocus={(e) => e.currentTarget.select()} />
            <button type="button" onClick={() => void copy(code, 'Code')}>
              Copy code
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
