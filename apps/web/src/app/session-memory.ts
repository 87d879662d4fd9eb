import type { SessionRole } from '@dungeon-lab/client';
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';

/**
 * What this tab last heard about a session — its name and the user's role
 * in it — so a page reloaded offline still knows whose table it is, shows a
 * GM their tools and opens the GM's document before the server can say so
 * again. sessionStorage: the tab's tier, like the identity; never
 * authoritative (the server checks every write, room and intent).
 */
export interface RememberedSession {
  readonly name: string;
  readonly role: SessionRole;
}

interface SessionMemory {
  readonly sessions: Readonly<Record<string, RememberedSession>>;
  remember(userId: string, sessionId: string, session: RememberedSession): void;
}

export const useSessionMemory = create<SessionMemory>()(
  persist(
    (set, get) => ({
      sessions: {},
      remember(userId, sessionId, session) {
        const key = `${userId}/${sessionId}`;
        const known = get().sessions[key];
        if (known?.name === session.name && known.role === session.role) return;
        set({ sessions: { ...get().sessions, [key]: { name: session.name, role: session.role } } });
      },
    }),
    { name: 'dl-sessions', storage: createJSONStorage(() => sessionStorage), version: 1 },
  ),
);

export function rememberedSession(userId: string, sessionId: string): RememberedSession | null {
  return useSessionMemory.getState().sessions[`${userId}/${sessionId}`] ?? null;
}

export function rememberSession(userId: string, sessionId: string, session: RememberedSession): void {
  useSessionMemory.getState().remember(userId, sessionId, session);
}
