import { defineConfig } from 'vite';

// Built to web/dist, which the order API serves at / (api/routes/dashboard.ts). No inline scripts: the page runs
// under a Content-Security-Policy without 'unsafe-inline'.
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
});
