import { cellOnScreen, dragTo, feed, gameWith, openChat, say, token } from '../fixtures/table.ts';
import { indexedDbText, spyOn } from '../fixtures/spy.ts';
import { expect, snap, test } from '../fixtures/test.ts';

test('[APP7] hidden canary: a hidden token never reaches a player’s page — DOM, frames, HTTP bodies or IndexedDB — until the GM reveals it', async ({ app, people }, testInfo) => {
  const canary = `CANARY-${Math.random().toString(36).slice(2, 10)}`;
  const [gm, mira, theo] = [await people.open('Gemma'), await people.open('Mira'), await people.open('Theo')];
  const [gmSpy, miraSpy, theoSpy] = [spyOn(gm.page), spyOn(mira.page), spyOn(theo.page)];
  await gameWith(gm, app.url, 'Curse of Strahd', [mira, theo]);

  // The GM places a goblin hidden, names it with the canary, drags it, pings nearby and rolls in secret about it.
  await gm.page.getByLabel(/Place hidden/).check();
  await gm.page.getByRole('button', { name: 'Place Goblin hidden' }).click();
  const at = await cellOnScreen(gm.page, { x: 8, y: 6 });
  await gm.page.mouse.click(at.x, at.y);
  const hidden = gm.page.getByRole('button', { name: /^Goblin 1, .*hidden from players$/ });
  await expect(hidden).toBeVisible();
  await gm.page.getByText('Token settings').click();
  await gm.page.getByLabel('Name', { exact: true }).fill(canary);
  await gm.page.getByLabel('Name', { exact: true }).press('Enter');
  await expect(token(gm.page, canary)).toHaveAttribute('data-layer', 'gm');
  await dragTo(gm.page, token(gm.page, canary), { x: 10, y: 7 });
  await expect(token(gm.page, canary)).toHaveAttribute('data-x', '10.5');
  await say(gm, `/gmroll 1d20+2 ${canary} stealth`);
  await expect(gm.page.locator('.roll-card.secret').filter({ hasText: canary })).toBeVisible();
  await say(gm, 'All quiet.');
  for (const who of [mira, theo]) {
    await openChat(who.page);
    await expect(feed(who.page).getByText('All quiet.')).toBeVisible();
  }
  await snap(gm, testInfo, 'hidden-gm');
  await snap(mira, testInfo, 'hidden-player');

  // The check can fail: the GM's own page did receive it.
  expect(gmSpy.saw(canary)).toBe(true);
  for (const [who, spy] of [
    [mira, miraSpy],
    [theo, theoSpy],
  ] as const) {
    expect(spy.frames, `${who.name} received frames at all`).toBeGreaterThan(10);
    expect(spy.saw(canary), `${who.name}'s frames and bodies`).toBe(false);
    await expect(who.page.getByText(canary)).toHaveCount(0);
    expect(await who.page.locator('[data-layer="gm"]').count()).toBe(0);
    expect(await indexedDbText(who.page), `${who.name}'s IndexedDB`).not.toContain(canary);
  }

  // Revealed, it is everyone's.
  await token(gm.page, canary).click();
  await gm.page.getByRole('tab', { name: 'Tokens' }).click();
  await gm.page.getByRole('button', { name: 'Reveal to players' }).click();
  for (const who of [gm, mira, theo]) {
    await expect(token(who.page, canary)).toHaveAttribute('data-layer', 'table');
    await expect(token(who.page, canary)).toHaveAttribute('data-x', '10.5');
  }
  await snap(mira, testInfo, 'revealed-player');
});
