import type { WritePath } from './write-path.ts';

type SegmentPattern =
  | { readonly kind: 'key'; readonly keys: ReadonlySet<string> }
  | { readonly kind: 'any-key' }
  | { readonly kind: 'element' }
  | { readonly kind: 'append' };

/** A compiled rule path: fixed segments, optionally followed by `**`. */
export interface PathPattern {
  readonly segments: readonly SegmentPattern[];
  readonly rest: boolean;
}

const ALTERNATIVES = /^\(([^()|/]+(?:\|[^()|/]+)*)\)$/;

function compileSegment(token: string, pattern: string): SegmentPattern {
  if (token === '*') return { kind: 'any-key' };
  if (token === '#') return { kind: 'element' };
  if (token === '-') return { kind: 'append' };
  if (token === '' || token.includes('*')) throw new Error(`bad segment "${token}" in rule path ${pattern}`);
  const alternatives = ALTERNATIVES.exec(token);
  return { kind: 'key', keys: new Set(alternatives === null ? [token] : alternatives[1]!.split('|')) };
}

/** Throws on a malformed pattern, so a typo in the rules table fails at startup, not at the first write. */
export function compilePattern(pattern: string): PathPattern {
  if (!pattern.startsWith('/')) throw new Error(`rule path must start with /: ${pattern}`);
  const tokens = pattern.slice(1).split('/');
  const rest = tokens[tokens.length - 1] === '**';
  if (rest) tokens.pop();
  if (tokens.includes('**')) throw new Error(`** may only end a rule path: ${pattern}`);
  return { segments: tokens.map((t) => compileSegment(t, pattern)), rest };
}

export function matchesPattern(pattern: PathPattern, path: WritePath): boolean {
  const { segments } = pattern;
  if (pattern.rest ? path.length < segments.length : path.length !== segments.length) return false;
  for (let i = 0; i < segments.length; i++) {
    const want = segments[i]!;
    const got = path[i]!;
    switch (want.kind) {
      case 'key':
        if (typeof got !== 'string' || !want.keys.has(got)) return false;
        break;
      case 'any-key':
        if (typeof got !== 'string') return false;
        break;
      case 'element':
        if (typeof got === 'string' || got.item === null) return false;
        break;
      case 'append':
        if (typeof got === 'string' || got.item !== null) return false;
        break;
    }
  }
  return true;
}
