/**
 * Sections of docs/benchmarks.md that other commands write (the browser app's, the scale-out run's),
 * between `<!-- <name>:begin -->` and `<!-- <name>:end -->`: each command replaces its own and keeps the rest.
 */
export interface MarkedSection {
  readonly begin: string;
  readonly end: string;
}

export const markedSection = (name: string): MarkedSection => ({ begin: `<!-- ${name}:begin -->`, end: `<!-- ${name}:end -->` });

/** `markdown` with the marked section replaced by `section` (appended when it has none). */
export function withSection(markdown: string, marks: MarkedSection, section: string): string {
  const start = markdown.indexOf(marks.begin);
  const end = markdown.indexOf(marks.end);
  if (start === -1 || end === -1) return `${markdown.trimEnd()}\n\n${section}\n`;
  return `${markdown.slice(0, start)}${section}${markdown.slice(end + marks.end.length)}`;
}

/** The marked section of an existing document, markers included, or null. */
export function sectionOf(markdown: string, marks: MarkedSection): string | null {
  const start = markdown.indexOf(marks.begin);
  const end = markdown.indexOf(marks.end);
  return start === -1 || end === -1 ? null : markdown.slice(start, end + marks.end.length);
}
