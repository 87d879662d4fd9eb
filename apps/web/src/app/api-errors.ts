import type { ApiResult } from '@dungeon-lab/client';

/** A sentence for a person, from an API refusal: what happened and what to do. */
export function explain(result: Extract<ApiResult<unknown>, { ok: false }>, context: 'join' | 'create' | 'sign-in' | 'load'): string {
  if (result.status === 0) return 'Cannot reach the server. Check your connection, then try again.';
  if (result.status === 401) return 'Your sign-in is no longer valid. Sign in again.';
  if (result.status === 429) return 'Too many attempts in a short time. Wait a moment, then try again.';
  if (result.status >= 500) return 'The server could not answer just now. Try again in a moment.';
  if (context === 'join') {
    if (result.status === 403) return 'This invite code does not open this game. Ask your GM for a new link.';
    if (result.status === 404) return 'This game does not exist any more. Ask your GM for a new link.';
  }
  if (context === 'sign-in' && result.status === 404) return 'This server signs people in with its own identity provider: paste the access token it gave you.';
  if (context === 'load' && (result.status === 403 || result.status === 404)) return 'This game does not exist, or you are not one of its players.';
  return result.error.charAt(0).toUpperCase() + result.error.slice(1) + '.';
}
