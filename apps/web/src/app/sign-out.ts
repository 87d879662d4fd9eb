import { useIdentity } from './identity.ts';
import { navigate } from './router.ts';

/** Forgets this tab's identity and goes back to the start page. */
export async function signOut(): Promise<void> {
  useIdentity.getState().signOut();
  navigate('/', { replace: true });
}
