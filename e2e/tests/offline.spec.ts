import { controllableNetwork } from '../fixtures/network.ts';
import { createCharacter, dragTo, expectSynced, feed, gameWith, offlineReady, positionOf, say, token } from '../fixtures/table.ts';
import { stripedPng } from '../fixtures/png.ts';
import { expect, snap, test } from '../fixtures/test.ts';

// A page whose network is cut reports the failed connections it keeps trying; that is expected here.
const NETWORK_DOWN = /WebSocket connection to .* failed|ERR_INTERNET_DISCONNECTED|Failed to load resource|net::ERR_/;

test('[APP8] offline merge: a player offline moves her token and chats while another moves his; back online, everyone has both moves and the chat', async ({ app, people }, testInfo) => {
  people.allow(NETWORK_DOWN);
  const [gm, mira, theo] = [await people.open('Gemma'), await people.open('Mira'), await people.open('Theo')];
  const net = await controllableNetwork(mira.context);
  await gameWith(gm, app.url, 'Hoard of the Dragon Queen', [mira, theo]);
  await createCharacter(gm, 'Aria', 'Mira');
  await createCharacter(gm, 'Bram', 'Theo');
  await expect(token(mira.page, 'Aria')).toBeVisible();

  await net.offline();
  const badge = mira.page.locator('.sync-badge');
  await expect(badge).toHaveAttribute('data-sync-state', /offline|connecting/);
  await dragTo(mira.page, token(mira.page, 'Aria'), { x: 4, y: 4 });
  await say(mira, 'Hold the door!');
  await expect(feed(mira.page).getByText('Hold the door!')).toBeVisible();
  await expect(badge).not.toHaveAttribute('data-pending', '0');
  await expect(badge).toContainText('on this device');
  await snap(mira, testInfo, 'offline-pending');
  await dragTo(theo.page, token(theo.page, 'Bram'), { x: 9, y: 2 });
  await expect(token(gm.page, 'Bram')).toHaveAttribute('data-x', '9.5');
  // Nothing of Mira's reached anyone while she was offline.
  expect(await positionOf(token(gm.page, 'Aria'))).not.toEqual({ x: 4.5, y: 4.5 });

  await net.online();
  await expectSynced(mira.page);
  await expect(badge).toHaveAttribute('data-pending', '0');
  for (const who of [gm, mira, theo]) {
    await expect(token(who.page, 'Aria')).toHaveAttribute('data-x', '4.5');
    await expect(token(who.page, 'Aria')).toHaveAttribute('data-y', '4.5');
    await expect(token(who.page, 'Bram')).toHaveAttribute('data-x', '9.5');
    await say(who, who === mira ? 'back' : `hi from ${who.name}`);
    await expect(feed(who.page).getByText('Hold the door!')).toBeVisible();
  }
  await snap(gm, testInfo, 'merged');
});

test('[APP8] offline reload: a player reloads with no network, the app opens with her offline changes, and nothing is lost when she reconnects', async ({ app, people }, testInfo) => {
  people.allow(NETWORK_DOWN);
  const [gm, mira] = [await people.open('Gemma'), await people.open('Mira')];
  const net = await controllableNetwork(mira.context);
  await gameWith(gm, app.url, 'Rime of the Frostmaiden', [mira]);
  await createCharacter(gm, 'Aria', 'Mira');
  await expect(token(mira.page, 'Aria')).toBeVisible();
  await offlineReady(mira.page);

  await net.offline();
  await dragTo(mira.page, token(mira.page, 'Aria'), { x: 2, y: 7 });
  await say(mira, 'Writing this in the snow');
  await expect(feed(mira.page).getByText('Writing this in the snow')).toBeVisible();

  const reloaded = await mira.page.reload();
  // The offline shell answered: no network was involved.
  expect(reloaded?.fromServiceWorker()).toBe(true);
  await expect(token(mira.page, 'Aria')).toHaveAttribute('data-x', '2.5');
  await expect(mira.page.locator('.sync-badge')).toHaveAttribute('data-sync-state', /offline|connecting/);
  await say(mira, 'Still here after the reload');
  await expect(feed(mira.page).getByText('Writing this in the snow')).toBeVisible();
  await expect(mira.page.getByRole('heading', { name: 'Rime of the Frostmaiden' })).toBeVisible();
  await snap(mira, testInfo, 'reloaded-offline');

  await net.online();
  await expectSynced(mira.page);
  await expect(mira.page.locator('.sync-badge')).toHaveAttribute('data-pending', '0');
  await expect(token(gm.page, 'Aria')).toHaveAttribute('data-x', '2.5');
  await expect(token(gm.page, 'Aria')).toHaveAttribute('data-y', '7.5');
  await say(gm, 'Welcome back');
  for (const text of ['Writing this in the snow', 'Still here after the reload']) await expect(feed(gm.page).getByText(text)).toBeVisible();
  await snap(gm, testInfo, 'after-reconnect');
});

test('[APP8] map offline: the GM uploads a map, the players see it, and a player’s offline reload still shows it', async ({ app, people }, testInfo) => {
  people.allow(NETWORK_DOWN);
  const [gm, mira] = [await people.open('Gemma'), await people.open('Mira')];
  const net = await controllableNetwork(mira.context);
  await gameWith(gm, app.url, 'Lost Mine of Phandelver', [mira]);
  await offlineReady(mira.page);

  await gm.page.getByRole('tab', { name: 'Scene' }).click();
  await gm.page.getByLabel('Upload a map image').setInputFiles({ name: 'Cragmaw Hideout [16x10].png', mimeType: 'image/png', buffer: stripedPng(640, 400) });
  await expect(gm.page.getByText('640 × 400 px over 16 × 10 cells.')).toBeVisible();
  for (const who of [gm, mira]) {
    const map = who.page.locator('img.scene-map');
    await expect(map).toBeVisible();
    await expect.poll(() => map.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(640);
  }
  await snap(gm, testInfo, 'map');

  await net.offline();
  const reloaded = await mira.page.reload();
  expect(reloaded?.fromServiceWorker()).toBe(true);
  const map = mira.page.locator('img.scene-map');
  await expect(map).toBeVisible();
  await expect.poll(() => map.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(640);
  await snap(mira, testInfo, 'map-offline');
});
