import { clearLocalData } from '@dungeon-lab/client';
import { useIdentity } from './identity.ts';
import { navigate } from './router.ts';
import { toast } from './toasts.ts';

/**
 * Forgets this tab's identity and that user's local documents and queued
 * actions in this browser ([APP2]), so the next person on this computer
 * starts clean. The table (and its client) is left first, so nothing holds
 * the databases open while they are deleted.
 */
export async function signOut(): Promise<void> {
  const identity = useIdentity.getState().identity;
  useIdentity.getState().signOut();
  navigate('/', { replace: true });
  if (identity === null) return;
  try {
    await clearLocalData(identity.userId);
  } catch (err) {
    toast({ tone: 'warning', title: 'Signed out, but this browser kept some game data', detail: err instanceof Error ? err.message : String(err) });
  }
}
