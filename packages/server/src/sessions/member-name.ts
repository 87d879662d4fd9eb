/** Longest display name kept for a member, in characters (code points). */
export const MAX_MEMBER_NAME = 64;

// C0 and C1 controls and DEL: nothing a name shows, and a newline or bell in a member list is a prank.
const CONTROL_CHARS = /\p{Cc}/gu;
// In a `u` regex a surrogate pair is one code point, so this matches only the unpaired halves.
const LONE_SURROGATE = /\p{Surrogate}/gu;

/**
 * What is kept of a token's `name` claim as a member's display name
 * ([API3], [SM12]): control characters dropped, trimmed, cut to
 * MAX_MEMBER_NAME characters (never inside a surrogate pair), lone
 * surrogates replaced; undefined when nothing is left, or there was no claim.
 */
export function memberName(claim: string | null): string | undefined {
  if (claim === null) return undefined;
  const cleaned = claim.replace(LONE_SURROGATE, '\uFFFD').replace(CONTROL_CHARS, '').trim();
  const name = [...cleaned].slice(0, MAX_MEMBER_NAME).join('').trimEnd();
  return name === '' ? undefined : name;
}
