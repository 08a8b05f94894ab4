import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The browser benchmark's pages (bench/web/run.mjs serves them with genesisd --web).
export default defineConfig({
  root: fileURLToPath(new URL('./bench', import.meta.url)),
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('./build/bench-dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    rollupOptions: {
      input: {
        ours: fileURLToPath(new URL('./bench/ours.html', import.meta.url)),
        baseline: fileURLToPath(new URL('./bench/baseline.html', import.meta.url)),
      },
    },
  },
  worker: { format: 'es' },
});
