import { joinPath } from './router.ts';

/** Where an invitation points: a session and the code that admits to it. */
export interface Invite {
  readonly sessionId: string;
  readonly code: string;
}

/**
 * An invite as people pass it on: the link (`…/join/<session>?code=<code>`)
 * or the short form `<session>.<code>` a GM can read out or type.
 */
export function inviteLink(origin: string, invite: Invite): string {
  return `${origin}${joinPath(invite.sessionId, invite.code)}`;
}

export function inviteCode(invite: Invite): string {
  return `${invite.sessionId}.${invite.code}`;
}

const SESSION = '[A-Za-z0-9_-]{1,64}';
const CODE = '[0-9A-Za-z]{4,32}';

/** Reads what a player pasted: a link, a path, or the short code; null when it is neither. */
export function parseInvite(text: string): Invite | null {
  const trimmed = text.trim();
  const short = new RegExp(`^(${SESSION})\\.(${CODE})$`).exec(trimmed);
  if (short) return { sessionId: short[1]!, code: short[2]!.toUpperCase() };
  let url: URL;
  try {
    url = new URL(trimmed, 'http://invite.invalid');
  } catch {
    return null;
  }
  const path = new RegExp(`^/join/(${SESSION})/?$`).exec(url.pathname);
  const code = url.searchParams.get('code');
  if (!path || code === null || !new RegExp(`^${CODE}$`).test(code)) return null;
  return { sessionId: path[1]!, code: code.toUpperCase() };
}
