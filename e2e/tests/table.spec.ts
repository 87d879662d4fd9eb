import type { Page } from '@playwright/test';
import { createCharacter, createGame, dragTo, expectSynced, gameWith, inviteLink, joinGame, placeMonster, positionOf, token } from '../fixtures/table.ts';
import { frameGaps, moveTokens, placeGoblins } from '@dungeon-lab/testing/table-load';
import { expect, snap, test } from '../fixtures/test.ts';

/** Moves the mouse over the middle of the board, so the others see this person's cursor. */
async function hover(page: Page): Promise<void> {
  const box = (await page.locator('.board').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
}

test('create and join: two players join by the invite link and everyone sees the same tokens and each other’s cursors', async ({ app, people }, testInfo) => {
  const gm = await people.open('Gemma');
  await createGame(gm, app.url, 'Lost Mine of Phandelver');
  await placeMonster(gm, 'Goblin', { x: 6, y: 5 });
  await placeMonster(gm, 'Ogre', { x: 10, y: 6 });
  const link = await inviteLink(gm);
  const mira = await people.open('Mira');
  await joinGame(mira, link);
  const theo = await people.open('Theo');
  await joinGame(theo, link);

  for (const who of [gm, mira, theo]) {
    await expect(token(who.page, 'Goblin 1')).toBeVisible();
    await expect(token(who.page, 'Ogre 1')).toBeVisible();
    expect(await positionOf(token(who.page, 'Goblin 1'))).toEqual({ x: 6.5, y: 5.5 });
  }
  for (const who of [gm, mira, theo]) await hover(who.page);
  for (const [viewer, others] of [
    [gm, ['Mira', 'Theo']],
    [mira, ['Gemma', 'Theo']],
    [theo, ['Gemma', 'Mira']],
  ] as const) {
    for (const other of others) await expect(viewer.page.locator(`[data-cursor-of="${other}"]`)).toBeVisible();
  }
  await expect(gm.page.getByRole('list', { name: 'At the table now' }).getByRole('listitem')).toHaveCount(3);
  await snap(gm, testInfo, 'joined');
  await snap(mira, testInfo, 'joined');
});

test('live move: a player drags her token, the others see it within a second; nobody else can move it, and a forged move is refused', async ({ app, people }, testInfo) => {
  const [gm, mira, theo] = [await people.open('Gemma'), await people.open('Mira'), await people.open('Theo')];
  await gameWith(gm, app.url, 'Curse of Strahd', [mira, theo]);
  await createCharacter(gm, 'Aria', 'Mira');
  const start = await positionOf(token(gm.page, 'Aria'));

  await dragTo(mira.page, token(mira.page, 'Aria'), { x: 3, y: 2 });
  for (const who of [gm, theo]) {
    await expect(token(who.page, 'Aria')).toHaveAttribute('data-x', '3.5', { timeout: 1000 });
    await expect(token(who.page, 'Aria')).toHaveAttribute('data-y', '2.5', { timeout: 1000 });
  }
  await snap(gm, testInfo, 'after-move');

  // Theo's UI will not let him drag it.
  await dragTo(theo.page, token(theo.page, 'Aria'), { x: 9, y: 9 });
  await expect(theo.page.getByText('You cannot move Aria')).toBeVisible();
  expect(await positionOf(token(theo.page, 'Aria'))).toEqual({ x: 3.5, y: 2.5 });

  // A move forged from his page goes to the server, which refuses it (write rule W3); his page says so.
  await theo.page.evaluate(() => {
    const doc = window.__dl!.client!.doc('table');
    const tokens = doc.getMap('tokens');
    for (const [, value] of tokens) {
      const t = value as { get(k: string): unknown; set(k: string, v: unknown): void };
      if (typeof t.get === 'function' && t.get('x') === 3.5) t.set('x', 12.5);
    }
  });
  await expect(theo.page.getByText('The server refused your change')).toBeVisible();
  for (const who of [gm, mira, theo]) {
    await expect(token(who.page, 'Aria')).toHaveAttribute('data-x', '3.5');
  }
  await expectSynced(theo.page);
  // His document started over from the server, and everyone is still at his table ([EQ26]).
  await expect(theo.page.getByRole('list', { name: 'At the table now' }).getByRole('listitem')).toHaveCount(3, { timeout: 3000 });
  expect(start).not.toEqual({ x: 3.5, y: 2.5 });
  await snap(theo, testInfo, 'forged-refused');
});

test('GM tools: a bestiary monster and a character given to a player, who can move only that character', async ({ app, people }, testInfo) => {
  const [gm, mira] = [await people.open('Gemma'), await people.open('Mira')];
  await gameWith(gm, app.url, 'Tomb of Annihilation', [mira]);
  await placeMonster(gm, 'Skeleton', { x: 5, y: 5 });
  await createCharacter(gm, 'Brynn', 'Mira');
  await expect(token(mira.page, 'Skeleton 1')).toBeVisible();
  await expect(token(mira.page, 'Brynn')).toBeVisible();
  await expect(mira.page.getByRole('tabpanel').getByText('Brynn')).toBeVisible();

  await dragTo(mira.page, token(mira.page, 'Skeleton 1'), { x: 8, y: 8 });
  expect(await positionOf(token(mira.page, 'Skeleton 1'))).toEqual({ x: 5.5, y: 5.5 });
  await dragTo(mira.page, token(mira.page, 'Brynn'), { x: 2, y: 3 });
  await expect(token(gm.page, 'Brynn')).toHaveAttribute('data-x', '2.5');
  await expect(token(gm.page, 'Brynn')).toHaveAttribute('data-y', '3.5');
  // The new game's first scene was set up by the GM's client, named after the game.
  await gm.page.getByRole('tab', { name: 'Scene' }).click();
  await expect(gm.page.getByLabel('Name', { exact: true })).toHaveValue('Tomb of Annihilation');
  await gm.page.getByRole('tab', { name: 'Tokens' }).click();
  await snap(gm, testInfo, 'gm-tools');
  await snap(mira, testInfo, 'gm-tools');

  // The GM takes the skeleton off the table; it goes for everyone.
  await token(gm.page, 'Skeleton 1').click();
  await gm.page.getByText('Token settings').click();
  await gm.page.getByRole('button', { name: 'Remove from the map' }).click();
  await expect(token(mira.page, 'Skeleton 1')).toHaveCount(0);
  await expect(token(gm.page, 'Skeleton 1')).toHaveCount(0);
});

test('server restart: killed with SIGKILL mid-session, every browser comes back to synced with every move made before', async ({ app, people }, testInfo) => {
  // While the server is down the browsers' reconnect attempts fail, as they should.
  people.allow(/WebSocket connection to .* failed|Failed to load resource|ERR_CONNECTION_REFUSED/);
  const [gm, mira, theo] = [await people.open('Gemma'), await people.open('Mira'), await people.open('Theo')];
  await gameWith(gm, app.url, 'Storm King', [mira, theo]);
  await placeMonster(gm, 'Wolf', { x: 4, y: 4 });
  await createCharacter(gm, 'Aria', 'Mira');
  await createCharacter(gm, 'Bram', 'Theo');
  await dragTo(mira.page, token(mira.page, 'Aria'), { x: 7, y: 3 });
  await dragTo(theo.page, token(theo.page, 'Bram'), { x: 8, y: 6 });
  await dragTo(gm.page, token(gm.page, 'Wolf 1'), { x: 12, y: 9 });
  for (const who of [gm, mira, theo]) await expectSynced(who.page);

  await app.kill('SIGKILL');
  for (const who of [gm, mira, theo]) {
    await expect(who.page.locator('.sync-badge')).not.toHaveAttribute('data-sync-state', 'synced');
    // The board stays: a lost connection never blanks it.
    await expect(token(who.page, 'Wolf 1')).toBeVisible();
  }
  await snap(gm, testInfo, 'server-down');
  await app.start();

  for (const who of [gm, mira, theo]) {
    await expectSynced(who.page, 30_000);
    expect(await positionOf(token(who.page, 'Aria'))).toEqual({ x: 7.5, y: 3.5 });
    expect(await positionOf(token(who.page, 'Bram'))).toEqual({ x: 8.5, y: 6.5 });
    expect(await positionOf(token(who.page, 'Wolf 1'))).toEqual({ x: 12.5, y: 9.5 });
  }
  // A reload reads the server's state, not only the browser's.
  await mira.page.reload();
  await expectSynced(mira.page);
  expect(await positionOf(token(mira.page, 'Bram'))).toEqual({ x: 8.5, y: 6.5 });
  await snap(gm, testInfo, 'after-restart');
  await snap(mira, testInfo, 'after-restart');
});

test('200 tokens: the GM’s page stays responsive and correct while another client moves tokens', async ({ app, people }, testInfo) => {
  const gm = await people.open('Gemma');
  const sessionId = await createGame(gm, app.url, 'Big Battle');
  await gm.page.evaluate(placeGoblins, 200);
  await expect(gm.page.locator('[data-token-id]')).toHaveCount(200);
  await expectSynced(gm.page);

  // The mover: the same GM in another browser, moving 20 tokens a second for three seconds.
  const mover = await people.open('Gemma');
  await mover.page.goto(`${app.url}/s/${sessionId}`);
  await mover.page.getByLabel('Your name').fill('Gemma');
  await mover.page.getByRole('button', { name: 'Open the game' }).click();
  await expectSynced(mover.page);
  await expect(mover.page.locator('[data-token-id]')).toHaveCount(200);

  const frames = gm.page.evaluate(frameGaps, 3000);
  const moved = await mover.page.evaluate(moveTokens, { moves: 60, intervalMs: 50 });
  const gaps = (await frames).sort((a, b) => a - b);
  const p95 = gaps[Math.floor(gaps.length * 0.95)]!;
  // Reported, not asserted: the figure is the benchmark's (bench/src/web), and a busy CI machine moves it.
  testInfo.annotations.push({ type: 'frame interval p95 (ms)', description: p95.toFixed(1) });

  for (const [id, at] of Object.entries(moved)) {
    await expect(gm.page.locator(`[data-token-id="${id}"]`)).toHaveAttribute('data-x', String(at.x));
    await expect(gm.page.locator(`[data-token-id="${id}"]`)).toHaveAttribute('data-y', String(at.y));
  }
  // Still interactive: the GM drags a token and it lands. The one dragged stands alone on its cell, so the
  // pointer cannot pick up a neighbour drawn over it (the moves above stack some tokens on others).
  const cells = await gm.page.locator('[data-token-id]').evaluateAll((els) =>
    els.map((el) => ({ id: el.getAttribute('data-token-id')!, at: `${el.getAttribute('data-x')},${el.getAttribute('data-y')}` })),
  );
  const alone = cells.find((c) => cells.filter((o) => o.at === c.at).length === 1)!;
  await dragTo(gm.page, gm.page.locator(`[data-token-id="${alone.id}"]`), { x: 28, y: 1 });
  await expect(mover.page.locator(`[data-token-id="${alone.id}"]`)).toHaveAttribute('data-x', '28.5');
  await snap(gm, testInfo, '200-tokens');
});
