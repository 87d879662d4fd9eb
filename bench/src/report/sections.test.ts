import { describe, expect, it } from 'vitest';
import { markedSection, sectionOf, withSection } from './sections.ts';

const marks = markedSection('demo');

describe('marked sections', () => {
  it('appends a section a document lacks, then replaces it in place and keeps the rest', () => {
    const first = withSection('# Doc\n\nbody\n', marks, `${marks.begin}\nA\n${marks.end}`);
    expect(first).toBe(`# Doc\n\nbody\n\n${marks.begin}\nA\n${marks.end}\n`);
    const tail = `${first}\n<!-- other:begin -->\nkept\n<!-- other:end -->\n`;
    const second = withSection(tail, marks, `${marks.begin}\nB\n${marks.end}`);
    expect(sectionOf(second, marks)).toBe(`${marks.begin}\nB\n${marks.end}`);
    expect(second).toContain('# Doc\n\nbody');
    expect(second).toContain('<!-- other:begin -->\nkept');
    expect(sectionOf('# nothing here', marks)).toBeNull();
  });
});
