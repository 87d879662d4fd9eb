import { useIdentity } from '@dungeon-lab/client-react';

/** Who is looking: the user, and whether the server has said they are a GM of this session. */
export function useViewer(): { readonly userId: string; readonly isGm: boolean } {
  const identity = useIdentity();
  return { userId: identity.userId, isGm: identity.role === 'gm' };
}
