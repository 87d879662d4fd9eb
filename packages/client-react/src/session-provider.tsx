import type { SessionClient } from '@dungeon-lab/client';
import { type ReactNode, createContext, useContext, useEffect, useRef, useState } from 'react';

const SessionContext = createContext<SessionClient | null>(null);

export interface SessionProviderProps {
  /**
   * Makes the session client. Called in an effect, once per mount: under
   * StrictMode's mount–unmount–mount the first client is destroyed before the
   * second is made, so no client outlives its component. A new factory on a
   * later render does not replace the client; give the provider a new `key`
   * (the session and the user) to start another one.
   */
  readonly create: () => SessionClient;
  /** Shown until the client exists (the first effect has run). */
  readonly fallback?: ReactNode;
  /** Told of each client made, and of `null` when it is destroyed (an app's test hook, a devtools panel). */
  readonly onClient?: (client: SessionClient | null) => void;
  readonly children: ReactNode;
}

/** Owns one SessionClient for its subtree: created on mount, destroyed on unmount. */
export function SessionProvider({ create, fallback = null, onClient, children }: SessionProviderProps): ReactNode {
  const [client, setClient] = useState<SessionClient | null>(null);
  const factory = useRef({ create, onClient });
  factory.current = { create, onClient };
  useEffect(() => {
    const made = factory.current.create();
    setClient(made);
    factory.current.onClient?.(made);
    return () => {
      setClient(null);
      factory.current.onClient?.(null);
      // Destroy finishes local writes (queued intents, docs) on its own; nothing waits for it.
      void made.destroy();
    };
  }, []);
  if (client === null) return fallback;
  return <SessionContext.Provider value={client}>{children}</SessionContext.Provider>;
}

/** The session client of the nearest SessionProvider; throws outside one (a wiring bug, not a state). */
export function useSessionClient(): SessionClient {
  const client = useContext(SessionContext);
  if (client === null) throw new Error('useSessionClient needs a <SessionProvider> above it');
  return client;
}
