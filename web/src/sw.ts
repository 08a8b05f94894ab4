// genesis-sw.js: the Service Worker boot-loader. Precaches the shell (index.html
// as "/", scripts, styles, the layout .wasm) at install, serves them cache-first
// so a second visit boots without touching the network, and leaves the API
// (/v1, /auth) and the mesh WebSocket to the network. GENESIS_ASSETS and
// GENESIS_VERSION are prepended by the build (vite.config.ts).
/// <reference lib="webworker" />
export {};
declare const self: ServiceWorkerGlobalScope;
declare const GENESIS_ASSETS: string[];
declare const GENESIS_VERSION: string;

const CACHE = `genesis-shell-${GENESIS_VERSION}`;

interface RouterRule {
  condition: { urlPattern?: string; requestMode?: string; requestMethod?: string };
  source: 'network' | 'cache' | 'fetch-event' | { cacheName: string };
}

self.addEventListener('install', (event) => {
  // Static routes (Chrome 123+): the browser serves these without starting this
  // worker — the API straight from the network, the shell straight from the
  // cache — which is most of what makes a warm boot fast. The fetch handler
  // below does the same for browsers without them.
  const routed = event as ExtendableEvent & { addRoutes?: (rules: RouterRule[]) => Promise<void> };
  if (routed.addRoutes) {
    event.waitUntil(
      routed
        .addRoutes([
          { condition: { urlPattern: '/v1/*' }, source: 'network' },
          { condition: { urlPattern: '/auth/*' }, source: 'network' },
          { condition: { urlPattern: '/metrics' }, source: 'network' },
          { condition: { urlPattern: '/assets/*', requestMethod: 'GET' }, source: { cacheName: CACHE } },
          { condition: { urlPattern: '/', requestMode: 'navigate' }, source: { cacheName: CACHE } },
        ])
        .catch(() => undefined),
    );
  }
  event.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll(['/', ...GENESIS_ASSETS]))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('genesis-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function isApi(path: string): boolean {
  return path.startsWith('/v1/') || path === '/v1' || path.startsWith('/auth/') || path.startsWith('/metrics');
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || isApi(url.pathname)) return;
  if (req.mode === 'navigate') {
    // The shell is a single page: "/", "/inspect/{id}", ... all boot index.html.
    event.respondWith(caches.match('/', { cacheName: CACHE }).then((hit) => hit ?? fetch(req)));
    return;
  }
  event.respondWith(caches.match(req, { cacheName: CACHE }).then((hit) => hit ?? fetch(req)));
});
