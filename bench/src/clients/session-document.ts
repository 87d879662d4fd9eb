import { seededRandom as prng } from '@dungeon-lab/testing';
import * as Y from 'yjs';

const WORDS = (
  'goblin dragon tavern sword shield arrow torch dungeon cleric rogue wizard bard ranger paladin druid monk ' +
  'initiative saving throw advantage spell slot cantrip ritual potion scroll ancient ruin crypt forest river ' +
  'mountain castle village merchant guard captain prophecy curse blessing treasure trap door lever'
).split(' ');

function sentence(random: () => number, words: number): string {
  let out = '';
  for (let i = 0; i < words; i++) out += `${WORDS[Math.floor(random() * WORDS.length)]}${i === words - 1 ? '. ' : ' '}`;
  return out;
}

/**
 * A campaign session the size of a long-running game: actors with stats and
 * notes written in several edits (so the text is split into many items, as
 * real editing leaves it), and a token on the map for each. Grows in batches
 * until its encoding reaches `targetBytes`. `edits` are the batches as the
 * updates that made them, as a document that grew over many sessions reached
 * the server; `update` is the whole state in one.
 */
export function buildSessionDocument(targetBytes: number): { update: Uint8Array; edits: Uint8Array[]; actors: number } {
  const random = prng(42);
  const doc = new Y.Doc();
  const edits: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => edits.push(update));
  const actors = doc.getMap<Y.Map<unknown>>('actors');
  const tokens = doc.getMap<Y.Map<unknown>>('tokens');
  const BATCH = 250;
  let count = 0;
  for (;;) {
    doc.transact(() => {
      for (let b = 0; b < BATCH; b++, count++) {
        const actor = new Y.Map<unknown>();
        actors.set(`actor-${count}`, actor);
        actor.set('name', `${sentence(random, 2).trim()} ${count}`);
        actor.set('hp', Math.floor(random() * 200));
        actor.set('ac', 10 + Math.floor(random() * 10));
        const abilities = new Y.Map<number>();
        actor.set('abilities', abilities);
        for (const ability of ['str', 'dex', 'con', 'int', 'wis', 'cha']) abilities.set(ability, 3 + Math.floor(random() * 16));
        const notes = new Y.Text();
        actor.set('notes', notes);
        for (let edit = 0; edit < 12; edit++) {
          notes.insert(Math.floor(random() * (notes.length + 1)), sentence(random, 20 + Math.floor(random() * 20)));
        }
        const token = new Y.Map<unknown>();
        tokens.set(`token-${count}`, token);
        token.set('actor', `actor-${count}`);
        token.set('x', Math.floor(random() * 5000));
        token.set('y', Math.floor(random() * 5000));
        token.set('size', 1 + Math.floor(random() * 3));
      }
    });
    const update = Y.encodeStateAsUpdate(doc);
    if (update.byteLength >= targetBytes) {
      doc.destroy();
      return { update, edits, actors: count };
    }
  }
}
