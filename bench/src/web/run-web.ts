// The browser app on this machine, in headless Chromium (Debian's), against the
// server `npm start` runs: a table of 200 tokens.
//
//   npx tsx bench/src/web/run-web.ts [--runs 5] [--seconds 10] [--docs]
//
// - table shown: navigation start → all 200 tokens in the DOM, on a warm cache
//   (the page loaded before in the same browser: HTTP cache and IndexedDB);
// - while another browser moves 20 tokens a second: the viewer's frame
//   interval (requestAnimationFrame gaps) and token components rendered per
//   remote move (the app counts renders of each token component);
// - the initial JavaScript index.html loads, gzipped.
// Results go to bench/results/web-latest.json; --docs also rewrites the web
// section of docs/benchmarks.md.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Browser, type Page, chromium } from 'playwright-core';
// The page's debug handle (window.__dl) as the app declares it.
import type {} from '../../../apps/web/src/app/test-hook.ts';
import { frameGaps, moveTokens, placeGoblins } from '@dungeon-lab/testing/table-load';
import { RESULTS_DIR } from '../report/results-file.ts';
import { REPO, buildApp, startApp } from './app-under-test.ts';
import { WEB_TARGETS, type WebResults, renderWebSection, writeWebSection } from './web-report.ts';

const TOKENS = 200;

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

async function devLogin(url: string, name: string): Promise<{ token: string; userId: string; name: string; expiresAt: number }> {
  const res = await fetch(`${url}/api/dev/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
  return (await res.json()) as { token: string; userId: string; name: string; expiresAt: number };
}

/** A browser context signed in as `name` (the tab's identity lives in sessionStorage). */
async function signedInPage(browser: Browser, url: string, name: string): Promise<Page> {
  const login = await devLogin(url, name);
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  // tsx compiles this file with esbuild's keepNames, which wraps named functions in __name(); the
  // functions this script hands to the page carry those calls, so the page needs the helper too.
  await context.addInitScript('window.__name = (fn) => fn;');
  const identity = { state: { identity: { ...login, source: 'dev-login' } }, version: 1 };
  await context.addInitScript((value: string) => sessionStorage.setItem('dl-identity', value), JSON.stringify(identity));
  // Marks the moment the table holds every token, measured from navigation start.
  await context.addInitScript((count: number) => {
    const check = () => {
      if (document.querySelectorAll('[data-token-id]').length >= count) (window as unknown as { __shownAt: number }).__shownAt = performance.now();
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  }, TOKENS);
  return context.newPage();
}

async function waitSynced(page: Page): Promise<void> {
  await page.waitForSelector('.sync-badge[data-sync-state="synced"]', { timeout: 30_000 });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

function initialJsGzip(): { bytes: number; files: string[] } {
  const dist = join(REPO, 'apps/web/dist');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const files = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/([^"]+\.js)"/g)].map((m) => m[1]!);
  const bytes = files.reduce((sum, f) => sum + gzipSync(readFileSync(join(dist, f))).length, 0);
  return { bytes, files };
}

async function main(): Promise<void> {
  const runs = argValue('--runs', 5);
  const seconds = argValue('--seconds', 10);
  buildApp();
  const app = await startApp();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const gm = await signedInPage(browser, app.url, 'Bench GM');
    const { token } = await devLogin(app.url, 'Bench GM');
    const created = (await (
      await fetch(`${app.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ name: 'Bench table' }) })
    ).json()) as { id: string };
    const tableUrl = `${app.url}/s/${created.id}`;
    await gm.goto(tableUrl);
    await waitSynced(gm);
    await gm.evaluate(placeGoblins, TOKENS);

    // Table shown, warm: the same browser loads it again (cold first, not counted).
    const shown: number[] = [];
    for (let r = 0; r <= runs; r++) {
      await gm.goto(tableUrl);
      await gm.waitForFunction(() => (window as unknown as { __shownAt?: number }).__shownAt !== undefined, undefined, { timeout: 30_000 });
      const at = await gm.evaluate(() => (window as unknown as { __shownAt: number }).__shownAt);
      if (r > 0) shown.push(at);
      await waitSynced(gm);
    }

    // Remote moves at 20 a second while the GM's page draws.
    const mover = await signedInPage(browser, app.url, 'Bench GM');
    await mover.goto(tableUrl);
    await waitSynced(mover);
    await gm.evaluate(() => window.__dl!.tokenRenders.clear());
    const moves = seconds * 20;
    const framesPromise = gm.evaluate(frameGaps, seconds * 1000);
    const moved = await mover.evaluate(moveTokens, { moves, intervalMs: 50 });
    const gaps = (await framesPromise).sort((a, b) => a - b);
    for (const [id, at] of Object.entries(moved)) await gm.waitForSelector(`[data-token-id="${id}"][data-x="${at.x}"][data-y="${at.y}"]`, { timeout: 10_000 });
    const renders = await gm.evaluate(() => [...window.__dl!.tokenRenders.values()].reduce((a, b) => a + b, 0));

    const sortedShown = [...shown].sort((a, b) => a - b);
    const js = initialJsGzip();
    const results: WebResults = {
      meta: { startedAt: new Date().toISOString(), chromium: browser.version(), node: process.version, runs, seconds, tokens: TOKENS, command: `npx tsx bench/src/web/run-web.ts --runs ${runs} --seconds ${seconds}` },
      tableShownMs: { median: percentile(sortedShown, 0.5), max: sortedShown[sortedShown.length - 1]!, all: shown },
      frameIntervalMs: { p50: percentile(gaps, 0.5), p95: percentile(gaps, 0.95), p99: percentile(gaps, 0.99), max: gaps[gaps.length - 1]!, frames: gaps.length },
      rendersPerRemoteMove: renders / moves,
      remoteMoves: moves,
      initialJsGzipBytes: js.bytes,
      initialJsFiles: js.files,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'web-latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(renderWebSection(results));
    if (process.argv.includes('--docs')) writeWebSection(results);
    for (const target of WEB_TARGETS) if (!target.met(results)) process.exitCode = 1;
  } finally {
    await browser.close();
    await app.stop();
  }
}

await main();
