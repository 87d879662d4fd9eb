import { createCharacter, dragTo, feed, gameWith, positionOf, say, token } from '../fixtures/table.ts';
import { expect, snap, test } from '../fixtures/test.ts';

test('[APP6] undo: a player undoes her own two moves and redoes one; the other player’s move stays everywhere', async ({ app, people }, testInfo) => {
  const [gm, mira, theo] = [await people.open('Gemma'), await people.open('Mira'), await people.open('Theo')];
  await gameWith(gm, app.url, 'Tales from the Yawning Portal', [mira, theo]);
  await createCharacter(gm, 'Aria', 'Mira');
  await createCharacter(gm, 'Bram', 'Theo');
  await expect(token(mira.page, 'Aria')).toBeVisible();
  const start = await positionOf(token(mira.page, 'Aria'));

  await dragTo(mira.page, token(mira.page, 'Aria'), { x: 3, y: 3 });
  await dragTo(mira.page, token(mira.page, 'Aria'), { x: 6, y: 3 });
  await dragTo(theo.page, token(theo.page, 'Bram'), { x: 12, y: 8 });
  await expect(token(mira.page, 'Bram')).toHaveAttribute('data-x', '12.5');

  await mira.page.keyboard.press('Control+z');
  await expect(token(mira.page, 'Aria')).toHaveAttribute('data-x', '3.5');
  await mira.page.keyboard.press('Control+z');
  for (const who of [gm, mira, theo]) {
    await expect(token(who.page, 'Aria')).toHaveAttribute('data-x', String(start.x));
    await expect(token(who.page, 'Aria')).toHaveAttribute('data-y', String(start.y));
    await expect(token(who.page, 'Bram')).toHaveAttribute('data-x', '12.5');
    await expect(token(who.page, 'Bram')).toHaveAttribute('data-y', '8.5');
  }
  // Nothing of hers left to undo: the GM's placing of Aria and Theo's move are not hers.
  await expect(mira.page.getByRole('button', { name: 'Undo your last change' })).toBeDisabled();
  await mira.page.keyboard.press('Control+Shift+z');
  for (const who of [gm, theo]) await expect(token(who.page, 'Aria')).toHaveAttribute('data-x', '3.5');
  await snap(mira, testInfo, 'after-undo-redo');
});

test('[APP9] chat and dice: a player’s roll shows with its dice for everyone; a GM’s secret roll only for the GM', async ({ app, people }, testInfo) => {
  const [gm, mira, theo] = [await people.open('Gemma'), await people.open('Mira'), await people.open('Theo')];
  await gameWith(gm, app.url, 'Waterdeep: Dragon Heist', [mira, theo]);

  await say(mira, '/roll 2d20kh1+5 Perception');
  for (const who of [gm, mira, theo]) {
    await say(who, `ready, ${who.name}`);
    const card = feed(who.page).locator('.roll-card').filter({ hasText: 'Perception' });
    await expect(card).toBeVisible();
    await expect(card.locator('.die')).toHaveCount(2);
    await expect(card.locator('.die.dropped')).toHaveCount(1);
    await expect(card.locator('.roll-total')).toHaveText(/^\d+$/);
  }
  const total = await feed(gm.page).locator('.roll-card').filter({ hasText: 'Perception' }).locator('.roll-total').textContent();
  await expect(feed(theo.page).locator('.roll-card').filter({ hasText: 'Perception' }).locator('.roll-total')).toHaveText(total!);

  await say(gm, '/gmroll 1d20+3 Goblin stealth');
  await expect(feed(gm.page).locator('.roll-card.secret').filter({ hasText: 'Goblin stealth' }).locator('.roll-total')).toHaveText(/^\d+$/);
  // A public line after it: once the players have that, they would have had the roll too.
  await say(gm, 'The corridor is quiet.');
  for (const who of [mira, theo]) {
    await expect(feed(who.page).getByText('The corridor is quiet.')).toBeVisible();
    await expect(feed(who.page).getByText('Goblin stealth')).toHaveCount(0);
  }
  await say(theo, '/gmroll d20');
  await expect(theo.page.getByRole('alert').filter({ hasText: 'Only the game master rolls in secret' })).toBeVisible();
  await snap(gm, testInfo, 'chat');
  await snap(mira, testInfo, 'chat');
});
