import { TABLE_DOC_SCHEMA, projectDoc } from '@dungeon-lab/events';
import { BESTIARY } from '@dungeon-lab/plugin-dnd5e';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEFAULT_SCENE } from './scene.ts';
import { deleteTokens, moveToken, nextName, placeMonster, updateScene } from './table-edits.ts';

describe('table edits', () => {
  it('writes a new scene with every setting, a map of none taking nothing away', () => {
    const doc = new Y.Doc();
    expect(updateScene(doc, { ...DEFAULT_SCENE, name: 'Crypt' })).toBe(true);
    expect(projectDoc(doc, TABLE_DOC_SCHEMA).scene).toEqual({ name: 'Crypt', cellPx: 64, feetPerUnit: 5, width: 30, height: 20 });
    expect(updateScene(doc, { map: { hash: 'a'.repeat(64), width: 10, height: 10 } })).toBe(true);
    expect(updateScene(doc, { map: null })).toBe(true);
    expect(projectDoc(doc, TABLE_DOC_SCHEMA).scene).not.toHaveProperty('map');
  });

  it('places a monster with its own actor, moves it field by field, and takes the actor with its last token', () => {
    const doc = new Y.Doc();
    const goblin = BESTIARY.find((b) => b.id === 'goblin')!;
    const id = placeMonster(doc, goblin, { x: 2.5, y: 3.5 }, nextName('Goblin', ['Goblin 1']));
    const placed = projectDoc(doc, TABLE_DOC_SCHEMA) as { tokens: Record<string, { actorId: string; x: number }>; actors: Record<string, { name: string }> };
    expect(placed.actors[placed.tokens[id]!.actorId]!.name).toBe('Goblin 2');
    // A nested map per token: a move writes x and y, nothing else of the token.
    expect((doc.getMap('tokens').get(id) as Y.Map<unknown>).get('x')).toBe(2.5);
    expect(moveToken(doc, id, { x: 5.5, y: 1.5 })).toBe(true);
    expect(moveToken(doc, 'gone', { x: 1, y: 1 })).toBe(false);
    expect(deleteTokens(doc, [id], projectDoc(doc, TABLE_DOC_SCHEMA))).toBe(true);
    expect(projectDoc(doc, TABLE_DOC_SCHEMA)).toMatchObject({ tokens: {}, actors: {} });
  });
});
