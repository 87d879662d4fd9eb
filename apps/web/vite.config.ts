import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev` serves the app with hot reload and hands the API and the
// WebSocket rooms to a running server (`npm start`, or DL_SERVER).
const server = process.env.DL_SERVER ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  build: {
    target: 'es2022',
    sourcemap: true,
    // One budget for the initial JavaScript is kept by bench/ (≤ 250 KB gzipped); Vite's warning is about single chunks.
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
