import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, transformWithOxc, type Plugin } from 'vite';

/**
 * Emits genesis-sw.js (from src/sw.ts) with the list of every built asset to
 * precache and a version derived from their names, so a new build installs a
 * new worker and a second visit boots from cache.
 */
function serviceWorker(): Plugin {
  return {
    name: 'genesis-service-worker',
    apply: 'build',
    async generateBundle(_options, bundle) {
      const assets = Object.keys(bundle)
        .filter((f) => !f.endsWith('.map') && f !== 'index.html')
        .sort()
        .map((f) => `/${f}`);
      // index.html is precached as "/" too: its own text (and the preboot inlined
      // into it) must give a new version when it changes, not just asset names.
      const page = ['./index.html', './src/preboot.ts']
        .map((f) => readFileSync(fileURLToPath(new URL(f, import.meta.url)), 'utf8'))
        .join('\n');
      const version = createHash('sha256').update(assets.join('\n')).update(page).digest('hex').slice(0, 12);
      const src = readFileSync(fileURLToPath(new URL('./src/sw.ts', import.meta.url)), 'utf8');
      const out = await transformWithOxc(src, 'sw.ts', { lang: 'ts' });
      const code =
        `const GENESIS_ASSETS = ${JSON.stringify(assets)};\n` +
        `const GENESIS_VERSION = ${JSON.stringify(version)};\n` +
        // A classic worker script: drop the `export {}` that makes sw.ts a module.
        out.code.replace(/^export\s*\{\s*\};?\s*$/m, '');
      this.emitFile({ type: 'asset', fileName: 'genesis-sw.js', source: code });
    },
  };
}

/**
 * Inlines src/preboot.ts into index.html as a classic script in <head>, so the
 * boot's requests start while the HTML is parsed, before the bundle arrives.
 * In the built page the bundle's entry is only preloaded (fetched and compiled)
 * and the preboot imports it once this tab is announced: the main thread is
 * free for the registration's few callbacks instead of busy evaluating the
 * shell, which waits for the registration anyway.
 */
function preboot(): Plugin {
  return {
    name: 'genesis-preboot',
    transformIndexHtml: {
      order: 'post',
      async handler(html, ctx) {
        if (!html.includes('<!--genesis-preboot-->')) return html;
        const src = readFileSync(fileURLToPath(new URL('./src/preboot.ts', import.meta.url)), 'utf8');
        const out = await transformWithOxc(src.replace(/^export /gm, ''), 'preboot.ts', { lang: 'ts' });
        let entry = 'null';
        if (ctx.bundle) {
          const tag = /<script type="module" crossorigin src="([^"]+)"><\/script>/.exec(html);
          if (!tag) throw new Error('genesis-preboot: no entry script in index.html');
          entry = JSON.stringify(tag[1]);
          html = html.replace(tag[0], `<link rel="modulepreload" crossorigin href="${tag[1]}">`);
        }
        // In its own scope: the page's globals stay the shell's.
        return html.replace('<!--genesis-preboot-->', `<script>(() => {\n${out.code}preboot(${entry});\n})();</script>`);
      },
    },
  };
}

export default defineConfig({
  plugins: [preboot(), serviceWorker()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  worker: { format: 'es' },
  server: {
    proxy: {
      '/v1': { target: 'http://127.0.0.1:8000', ws: true },
      '/auth': 'http://127.0.0.1:8000',
    },
  },
});
