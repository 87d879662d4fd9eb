import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './fixtures/browser.ts';

/**
 * The VTT in real browsers: every test starts the server `npm start` runs
 * (its bundle, serving the built app) on a free port with a fresh data
 * directory, and gives each person (GM, players) a browser context of their
 * own. Debian's Chromium, never a downloaded one.
 */
export default defineConfig({
  testDir: 'tests',
  globalSetup: './global-setup.ts',
  // Two cores and several browsers per test: one test at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  retries: 0,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never', outputFolder: '../playwright-report' }]] : [['list']],
  outputDir: '../test-results/e2e',
  use: {
    viewport: { width: 1280, height: 720 },
    deviceScaleFactor: 1,
    launchOptions: chromiumLaunchOptions(),
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 15_000,
  },
});
