import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

// `npm run dev` serves the app with hot reload and hands the API and the
// WebSocket rooms to a running server (`npm start`, or DL_SERVER).
const server = process.env.DL_SERVER ?? 'http://127.0.0.1:3000';

const THIRTY_DAYS_S = 30 * 24 * 60 * 60;

export default defineConfig({
  plugins: [
    react(),
    // The offline shell (docs/web.md, "Offline"): the service worker precaches the build, answers every
    // app route with index.html, and keeps map and token images for 30 days since last use. A new
    // version waits for the player's "Reload" (registerType prompt): never swapped in mid-game.
    VitePWA({
      registerType: 'prompt',
      injectRegister: null,
      manifest: {
        name: 'Dungeon Lab',
        short_name: 'Dungeon Lab',
        description: 'A virtual tabletop that never loses a move',
        theme_color: '#0f131a',
        background_color: '#0f131a',
        display: 'standalone',
        start_url: '/',
        icons: [{ src: '/favicon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,webp,woff2}'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/api\//, /^\/sessions\//, /^\/healthz$/, /^\/metrics(\.json)?$/],
        // The first visit is controlled at once, so a player who loses the network before ever reloading can reload.
        clientsClaim: true,
        skipWaiting: false,
        cleanupOutdatedCaches: true,
        runtimeCaching: [
          {
            // Images are content-addressed (their URL is their hash): the cached copy is always right.
            urlPattern: ({ url, request }) => request.method === 'GET' && /^\/api\/sessions\/[^/]+\/assets\/[0-9a-f]{64}$/.test(url.pathname),
            handler: 'CacheFirst',
            options: {
              cacheName: 'dl-assets',
              expiration: { maxAgeSeconds: THIRTY_DAYS_S, maxEntries: 500, purgeOnQuotaError: true },
              cacheableResponse: { statuses: [200] },
            },
          },
        ],
      },
    }),
  ],
  build: {
    target: 'es2022',
    sourcemap: true,
    // The budget for the initial JavaScript is kept by bench/ (≤ 250 KB gzipped); Vite's warning is about single chunks.
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: {
      '/api': server,
      '/healthz': server,
      '/sessions': { target: server, ws: true },
    },
  },
});
