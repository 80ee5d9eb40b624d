import { defaultClientConditions, defineConfig } from 'vite';

/** The console is served by the MiniRTC server under `/console/`; routing is by URL hash, so no fallback is needed. */
export default defineConfig({
  base: '/console/',
  // Workspace packages (@minirtc/protocol: the error class) are bundled from their TypeScript sources.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npm run dev -w packages/console` against a local `npm start` on :8080.
    proxy: { '/api': 'http://127.0.0.1:8080', '/live': 'http://127.0.0.1:8080' },
  },
});
