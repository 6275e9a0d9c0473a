import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/** Where `pnpm dev` forwards API calls: the Fastify server from apps/api. */
const apiOrigin = process.env.TRACKTROVE_API_ORIGIN ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [react()],
  base: '/',
  // No source maps: the server would hand the viewer's whole source to anyone who asks.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: apiOrigin, changeOrigin: true, ws: true },
      '/docs': { target: apiOrigin, changeOrigin: true },
      '/health': { target: apiOrigin, changeOrigin: true },
    },
  },
});
