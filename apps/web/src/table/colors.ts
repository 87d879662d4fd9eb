/**
 * Colours that stay legible as token fills and cursor tags on the dark board,
 * and distinct from each other at a glance.
 */
export const PALETTE = ['#e05d5d', '#e0914a', '#d9c24a', '#6cc06c', '#43b5a8', '#4a9fe0', '#7b7be8', '#b46ee0', '#e06eb4', '#9aa5b1'] as const;

/** A stable colour for an id (a user, a token): the same everywhere, with no coordination. */
export function colorFor(id: string): string {
  let hash = 2166136261;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 16777619);
  return PALETTE[(hash >>> 0) % PALETTE.length]!;
}

/** Up to two letters for a token face: the initials of the first two words, or the first two letters. */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return '?';
  const letters = words.length === 1 ? [...words[0]!].slice(0, 2) : [[...words[0]!][0]!, [...words[1]!][0]!];
  return letters.join('').toUpperCase();
}
