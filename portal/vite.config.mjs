import { defineConfig } from 'vite';

// The portal is served by each gateway under /portal/ (application/src/gateway/portal.ts):
// relative asset paths, everything bundled (no CDN), workers as ES modules (Cornerstone's decoder).
export default defineConfig({
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 6000, assetsInlineLimit: 0 },
  worker: { format: 'es' },
});
