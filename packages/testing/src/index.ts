export { seededRandom } from './seeded-random.ts';
export { bundleForBrowser, importsNodeBuiltins, type BrowserBundle } from './browser-bundle.ts';
