import type { SessionRole } from '@dungeon-lab/store';
import type * as Y from 'yjs';
import type { Write } from './analyze-update.ts';
import { readField, readKey, readList } from './doc-read.ts';
import { type PathPattern, compilePattern, matchesPattern } from './rule-pattern.ts';
import { WRITE_RULES, type WriteRule, type Writer } from './rules-table.ts';
import { formatPath } from './write-path.ts';

/** Who sent an update. */
export interface Sender {
  readonly userId: string;
  readonly role: SessionRole;
}

/** The first write an update may not make, and why. */
export interface RuleDenial {
  /** JSON-pointer-like (`/actors/a1/hp/value`, `/chat/-`). */
  readonly path: string;
  readonly ruleId: string;
  /** `[W5] set /actors/a1/hp/value: server only (rule-bound: changed through intents)`. */
  readonly reason: string;
}

interface CompiledRule {
  readonly rule: WriteRule;
  readonly pattern: PathPattern;
}

const COMPILED: readonly CompiledRule[] = WRITE_RULES.map((rule) => ({ rule, pattern: compilePattern(rule.path) }));

function ruleFor(write: Write): WriteRule | null {
  for (const { rule, pattern } of COMPILED) {
    if (rule.ops !== undefined && !rule.ops.includes(write.op)) continue;
    if (matchesPattern(pattern, write.path)) return rule;
  }
  return null;
}

/** Judges writes against the doc as it is before them; null when every one is allowed. */
export function judgeWrites(doc: Y.Doc, writes: readonly Write[], sender: Sender): RuleDenial | null {
  for (const write of writes) {
    // A subdocument is a second document inside this one, with its own sync: nothing of the schema.
    if (write.values.includes('doc')) return deny(write, 'W14', 'server only (no subdocuments in the table)');
    const rule = ruleFor(write);
    if (rule === null) return deny(write, 'W?', 'no rule allows it');
    if (!rule.who.some((writer) => admits(writer, write, sender, doc))) {
      return deny(write, rule.id, `${rule.who.length === 0 ? 'server' : rule.who.join(' or ')} only (${rule.why})`);
    }
    if (rule.value === 'number' && write.op === 'set' && (write.values.length === 0 || write.values.some((v) => v !== 'number'))) {
      return deny(write, rule.id, `must be a finite number (${rule.why})`);
    }
  }
  return null;
}

function deny(write: Write, ruleId: string, explanation: string): RuleDenial {
  const path = formatPath(write.path);
  return { path, ruleId, reason: `[${ruleId}] ${write.op} ${path}: ${explanation}` };
}

function admits(writer: Writer, write: Write, sender: Sender, doc: Y.Doc): boolean {
  switch (writer) {
    case 'gm':
      return sender.role === 'gm';
    case 'token-controller': {
      const tokenId = write.path[1];
      return typeof tokenId === 'string' && controlsToken(doc, tokenId, sender.userId);
    }
    case 'actor-owner': {
      const actorId = write.path[1];
      return typeof actorId === 'string' && ownsActor(doc, actorId, sender.userId);
    }
    case 'author':
      return write.authors.length > 0 && write.authors.every((author) => author === sender.userId);
  }
}

function entity(doc: Y.Doc, root: string, id: string): unknown {
  const type = doc.share.get(root);
  return type === undefined ? undefined : readKey(type, id);
}

function ownsActor(doc: Y.Doc, actorId: string, userId: string): boolean {
  return readField(entity(doc, 'actors', actorId), 'ownerId') === userId;
}

/** The token names the user (`ownerId`, `controlledBy`), or its actor is theirs. */
function controlsToken(doc: Y.Doc, tokenId: string, userId: string): boolean {
  const token = entity(doc, 'tokens', tokenId);
  if (token === undefined) return false;
  if (readField(token, 'ownerId') === userId) return true;
  if (readList(readField(token, 'controlledBy')).includes(userId)) return true;
  const actorId = readField(token, 'actorId');
  return typeof actorId === 'string' && ownsActor(doc, actorId, userId);
}
