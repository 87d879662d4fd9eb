export { seededRandom } from './seeded-random.ts';
export { bundleForBrowser, importsNodeBuiltins, type BrowserBundle } from './browser-bundle.ts';
export { sendRaw, isErrorBody, UPGRADE_HEADERS, type RawAnswer } from './raw-http.ts';
export { pngImage, jpegImage, webpLossyImage, webpLosslessImage, webpExtendedImage } from './images.ts';
