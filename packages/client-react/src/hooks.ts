import type { AuditEntry, DocRefusal, PendingIntent, SessionClientEvents, SessionIdentity, SessionInfo, SyncState } from '@dungeon-lab/client';
import type { ApprovalRequest, JsonObject } from '@dungeon-lab/events';
import { useEffect, useMemo, useRef } from 'react';
import type * as Y from 'yjs';
import { type AwarenessStates, awarenessValue } from './awareness-value.ts';
import { useSessionClient } from './session-provider.tsx';
import { useSelected, useValue } from './use-value.ts';

/**
 * A session document. After a refused edit the client starts the document
 * over from the server as a new Y.Doc ([W21]); this re-renders with the new
 * one, so observers bound in effects keyed on it re-bind.
 */
export function useDoc(name: string): Y.Doc {
  return useValue(useSessionClient().docValue(name));
}

export function useSyncState(doc?: string): SyncState {
  const client = useSessionClient();
  return useValue(doc === undefined ? client.syncState : client.docState(doc));
}

/** Local changes the server has not confirmed durable (all documents, or one). */
export function usePendingChanges(doc?: string): number {
  const client = useSessionClient();
  return useValue(doc === undefined ? client.pendingChanges : client.docPendingChanges(doc));
}

export function usePendingIntents(): readonly PendingIntent[] {
  return useValue(useSessionClient().pendingIntents);
}

export function useIdentity(): SessionIdentity {
  return useValue(useSessionClient().identity);
}

export function useSessionInfo(): SessionInfo | null {
  return useValue(useSessionClient().sessionInfo);
}

export function useRefusal(): DocRefusal | null {
  return useValue(useSessionClient().refusal);
}

export function useApprovals(): readonly ApprovalRequest[] {
  return useValue(useSessionClient().approvals);
}

export function useLog(): readonly AuditEntry[] {
  return useValue(useSessionClient().log);
}

/**
 * A part of the table's optimistic view (the document plus the predicted
 * effects of pending intents). Re-renders only when the selection changes:
 * select small (`view.tokens?.[id]`), and pass `shallowEqual` for selectors
 * that build arrays (`Object.keys(view.tokens)`).
 */
export function useView<S>(selector: (view: JsonObject) => S, isEqual?: (a: S, b: S) => boolean): S {
  return useSelected(useSessionClient().view, selector, isEqual);
}

/** A part of a document's awareness (presence: cursors, drags, selections), by the same rules as useView. */
export function useAwareness<S>(doc: string, selector: (states: AwarenessStates) => S, isEqual?: (a: S, b: S) => boolean): S {
  const client = useSessionClient();
  const awareness = client.awareness(doc);
  const value = useMemo(() => awarenessValue(awareness), [awareness]);
  return useSelected(value, selector, isEqual);
}

/** Runs `handler` for each `event` of the client while the component is mounted; the latest handler is used. */
export function useClientEvent<K extends keyof SessionClientEvents>(event: K, handler: SessionClientEvents[K]): void {
  const client = useSessionClient();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const forward = ((payload: never) => (latest.current as (p: never) => void)(payload)) as SessionClientEvents[K];
    return client.on(event, forward);
  }, [client, event]);
}
