import { createGame, expectSynced, inviteLink } from '../fixtures/table.ts';
import { expect, snap, test } from '../fixtures/test.ts';

test('a bad invite code says so and leads back; the right one still works', async ({ app, people }, testInfo) => {
  // The refused join is an HTTP 403 the browser logs; the page handles it.
  people.allow(/Failed to load resource: the server responded with a status of 403/);
  const gm = await people.open('Gemma');
  await createGame(gm, app.url, 'Out of the Abyss');
  const link = await inviteLink(gm);
  const mira = await people.open('Mira');
  await mira.page.goto(link.replace(/code=[^&]+/, 'code=WRONGCODE1'));
  await mira.page.getByLabel('Your name').fill('Mira');
  await mira.page.getByRole('button', { name: 'Join the game' }).click();
  await expect(mira.page.getByRole('alert').filter({ hasText: 'This invite code does not open this game' })).toBeVisible();
  await snap(mira, testInfo, 'bad-code');
  await mira.page.getByRole('button', { name: 'Back' }).click();
  await expect(mira.page.getByRole('heading', { name: 'Join a game' })).toBeVisible();
  await mira.page.getByLabel('Invite link or code').fill('not an invite');
  await mira.page.getByRole('button', { name: 'Continue' }).click();
  await expect(mira.page.getByRole('alert').filter({ hasText: 'Paste the invite link' })).toBeVisible();
  await mira.page.getByLabel('Invite link or code').fill(link);
  await mira.page.getByRole('button', { name: 'Continue' }).click();
  await mira.page.getByRole('button', { name: 'Join the game' }).click();
  await expectSynced(mira.page);
});

test('a game that does not exist, and a page that does not exist, each say so with a way back', async ({ app, people }, testInfo) => {
  people.allow(/Failed to load resource: the server responded with a status of 40[34]|WebSocket connection to .* failed/);
  const mira = await people.open('Mira');
  await mira.page.goto(`${app.url}/`);
  await mira.page.locator('#create-your-name').fill('Mira');
  await mira.page.getByLabel('Game name').fill('Mine');
  await mira.page.getByRole('button', { name: 'Create game' }).click();
  await expectSynced(mira.page);
  await mira.page.goto(`${app.url}/s/AAAAAAAAAAAAAAAA`);
  await expect(mira.page.getByRole('alertdialog')).toContainText('You cannot open this game');
  await snap(mira, testInfo, 'no-such-game');
  await mira.page.getByRole('alertdialog').getByRole('button', { name: 'Back to your games' }).click();
  await expect(mira.page.getByRole('heading', { name: 'Your games' })).toBeVisible();
  await expect(mira.page.getByRole('link', { name: /Mine/ })).toBeVisible();
  await mira.page.goto(`${app.url}/no/such/page`);
  await expect(mira.page.getByRole('alert').filter({ hasText: 'There is no page here' })).toBeVisible();
  await mira.page.getByRole('button', { name: 'Go to the start page' }).click();
  await expect(mira.page.getByRole('heading', { name: 'Start a new game' })).toBeVisible();
});

test('a sign-in the server no longer accepts asks to sign in again', async ({ app, people }, testInfo) => {
  people.allow(/Failed to load resource: the server responded with a status of 401|WebSocket connection to .* failed/);
  const gm = await people.open('Gemma');
  const sessionId = await createGame(gm, app.url, 'Waterdeep');
  // The tab's identity carries a token the server never issued (a tampered, or an old server's, token).
  await gm.page.evaluate(() => {
    const stored = JSON.parse(sessionStorage.getItem('dl-identity')!) as { state: { identity: { token: string; source: string } } };
    const [head, body] = stored.state.identity.token.split('.');
    stored.state.identity.token = `${head}.${body}.invalidsignature`;
    stored.state.identity.source = 'pasted';
    sessionStorage.setItem('dl-identity', JSON.stringify(stored));
  });
  await gm.page.goto(`${app.url}/s/${sessionId}`);
  await expect(gm.page.getByRole('alertdialog')).toContainText('Please sign in again');
  await snap(gm, testInfo, 'sign-in-again');
  await gm.page.getByRole('button', { name: 'Sign in again' }).click();
  await expect(gm.page.getByRole('heading', { name: 'Start a new game' })).toBeVisible();
});

test('a server that is down: the start page says so and recovers; the table keeps its board and says it cannot reach the server', async ({ app, people }, testInfo) => {
  people.allow(/WebSocket connection to .* failed|Failed to load resource|ERR_CONNECTION_REFUSED/);
  const gm = await people.open('Gemma');
  await createGame(gm, app.url, 'Descent into Avernus');
  await gm.page.getByRole('button', { name: 'Place Zombie' }).click();
  await gm.page.keyboard.press('Enter');
  await expect(gm.page.getByRole('button', { name: /^Zombie 1/ })).toBeVisible();
  await expectSynced(gm.page);
  await app.kill('SIGKILL');
  await expect(gm.page.locator('.sync-badge')).toHaveAttribute('data-sync-state', /offline|connecting/);
  await expect(gm.page.locator('.sync-badge')).toContainText('Can’t reach the server', { timeout: 20_000 });
  await expect(gm.page.getByRole('button', { name: /^Zombie 1/ })).toBeVisible();
  await snap(gm, testInfo, 'server-down');

  await gm.page.getByRole('button', { name: 'Leave the table for the start page' }).click();
  await expect(gm.page.getByRole('alert').filter({ hasText: 'Cannot reach the server' })).toBeVisible();
  await app.start();
  await gm.page.getByRole('button', { name: 'Try again' }).click();
  await expect(gm.page.getByRole('link', { name: /Descent into Avernus/ })).toBeVisible();
});
