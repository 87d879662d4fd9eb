// Page functions for loading a table in a browser: handed to `page.evaluate`,
// they run in the page and use only what is there — the app's debug handle
// (window.__dl) and the animation clock. Shared by the e2e suite and the
// browser benchmark, so both put the same load on the same table.
import type {} from '../../../apps/web/src/app/test-hook.ts';

/** Lays out `count` goblins, 20 to a row on every second row, and resolves once the server has them all. */
export function placeGoblins(count: number): Promise<void> {
  const dl = window.__dl!;
  const doc = dl.client!.doc('table');
  const goblin = dl.bestiary.find((b) => b.id === 'goblin')!;
  for (let i = 0; i < count; i++) dl.edits.placeMonster(doc, goblin, { x: (i % 20) + 0.5, y: Math.floor(i / 20) * 2 + 0.5 }, `Goblin ${i + 1}`);
  return dl.client!.whenSaved();
}

/** The gaps between animation frames (ms) for `ms` milliseconds: how smoothly the page draws. */
export function frameGaps(ms: number): Promise<number[]> {
  return new Promise((resolve) => {
    const gaps: number[] = [];
    let last = performance.now();
    const end = last + ms;
    const tick = (now: number) => {
      gaps.push(now - last);
      last = now;
      if (now < end) requestAnimationFrame(tick);
      else resolve(gaps);
    };
    requestAnimationFrame(tick);
  });
}

/**
 * Moves `moves` tokens, one every `intervalMs` (every seventh in id order,
 * to spots across the scene), as free edits; resolves with where each moved
 * token was put last.
 */
export function moveTokens({ moves, intervalMs }: { moves: number; intervalMs: number }): Promise<Record<string, { x: number; y: number }>> {
  return new Promise((resolve) => {
    const dl = window.__dl!;
    const doc = dl.client!.doc('table');
    const ids = [...doc.getMap('tokens').keys()].sort();
    const last: Record<string, { x: number; y: number }> = {};
    let n = 0;
    const timer = setInterval(() => {
      const id = ids[(n * 7) % ids.length]!;
      const to = { x: (n % 25) + 0.5, y: 19.5 - (n % 10) };
      dl.edits.moveToken(doc, id, to);
      last[id] = to;
      if (++n === moves) {
        clearInterval(timer);
        resolve(last);
      }
    }, intervalMs);
  });
}
