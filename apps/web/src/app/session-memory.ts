import type { SessionRole } from '@dungeon-lab/client';

/**
 * What this tab last heard from the server about a session — its name and
 * the user's role in it — so a page reloaded offline still knows whose table
 * it is and shows the GM their tools before the server can say so again.
 * sessionStorage: the tab's tier, like the identity; never authoritative
 * (the server checks every write and intent).
 */
export interface RememberedSession {
  readonly name: string;
  readonly role: SessionRole;
}

const KEY = 'dl-sessions';

function read(): Record<string, RememberedSession> {
  try {
    const value: unknown = JSON.parse(sessionStorage.getItem(KEY) ?? '{}');
    return typeof value === 'object' && value !== null ? (value as Record<string, RememberedSession>) : {};
  } catch {
    return {};
  }
}

export function rememberedSession(userId: string, sessionId: string): RememberedSession | null {
  const entry = read()[`${userId}/${sessionId}`];
  return entry !== undefined && typeof entry.name === 'string' && (entry.role === 'gm' || entry.role === 'player') ? entry : null;
}

export function rememberSession(userId: string, sessionId: string, session: RememberedSession): void {
  const all = read();
  all[`${userId}/${sessionId}`] = { name: session.name, role: session.role };
  sessionStorage.setItem(KEY, JSON.stringify(all));
}
