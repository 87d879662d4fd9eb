/**
 * The write rules are declared once, as data, and documented as a table in
 * docs/security.md ([W1]..[W14]): the two must say the same thing.
 */
import { readFileSync } from 'node:fs';
import { TABLE_DOC_SCHEMA } from '@dungeon-lab/events';
import { describe, expect, it } from 'vitest';
import { compilePattern, matchesPattern } from './rule-pattern.ts';
import { WRITE_RULES, type WriteRule } from './rules-table.ts';
import { APPEND } from './write-path.ts';

const WHO: Record<string, string> = { server: '', GM: 'gm', 'token controller': 'token-controller', 'actor owner': 'actor-owner', author: 'author' };

/** The rows of the documented table, in the shape of WRITE_RULES (without `why`). */
function documentedRules(): Array<Omit<WriteRule, 'why'>> {
  const doc = readFileSync(new URL('../../../../docs/security.md', import.meta.url), 'utf8');
  const rows = doc.split('\n').filter((line) => /^\| W\d+ \| `/.test(line));
  return rows.map((line) => {
    // Escaped pipes (`\|`) are part of a cell.
    const cells = line
      .split(/(?<!\\)\|/)
      .map((c) => c.trim().replace(/\\\|/g, '|'));
    const [, id, path, ops, who] = cells;
    const rule: { -readonly [K in keyof WriteRule]?: WriteRule[K] } = { id: id!, path: path!.replace(/`/g, '') };
    if (ops === 'set, to a finite number') {
      rule.ops = ['set'];
      rule.value = 'number';
    } else if (ops !== 'any') {
      rule.ops = ops!.split(', ') as WriteRule['ops'];
    }
    rule.who = who!
      .split(', ')
      .map((w) => WHO[w]!)
      .filter((w) => w !== '') as WriteRule['who'];
    return rule as Omit<WriteRule, 'why'>;
  });
}

describe('the write rules table', () => {
  it('[W1]-[W14] docs/security.md documents exactly the rules the server enforces', () => {
    const enforced = WRITE_RULES.map(({ why: _why, ...rule }) => rule);
    expect(documentedRules()).toEqual(enforced);
  });

  it('[W14] ends with a catch-all nobody may write, and every schema root has rules of its own before it', () => {
    const last = WRITE_RULES[WRITE_RULES.length - 1]!;
    expect(last).toMatchObject({ path: '/**', who: [] });
    for (const [root, kind] of Object.entries(TABLE_DOC_SCHEMA)) {
      const child = kind === 'map' ? ['key'] : [APPEND];
      const first = WRITE_RULES.find((rule) => matchesPattern(compilePattern(rule.path), [root, ...child]));
      expect(first, root).not.toBe(last);
    }
  });

  it('malformed patterns fail when the table loads, not at the first write', () => {
    for (const bad of ['tokens/*', '/tokens/**/x', '/tokens/a*b', '/tokens//x']) expect(() => compilePattern(bad), bad).toThrow();
  });
});
