export { SessionProvider, useSessionClient, type SessionProviderProps } from './session-provider.tsx';
export { useValue, useSelected, shallowEqual } from './use-value.ts';
export { awarenessValue, type AwarenessStates } from './awareness-value.ts';
export {
  useDoc,
  useSyncState,
  usePendingChanges,
  usePendingIntents,
  useIdentity,
  useSessionInfo,
  useRefusal,
  useApprovals,
  useLog,
  useView,
  useAwareness,
  useClientEvent,
} from './hooks.ts';
