/*
 * Varde patient app service worker: keeps the app shell (HTML, scripts, styles, icons) and the last
 * copy of the patient's own plan and today's tasks on the device, so the app opens and records
 * measurements without a network. Submissions themselves are queued by the app (localStorage) and
 * sent with their idempotency key when the network is back; this worker never queues writes.
 */
const CACHE = 'varde-patient-v1';
const SHELL = '/patient/';
// Own data the app needs to render offline; refreshed from the network whenever it is reachable.
const API_CACHED = ['/api/me', '/api/me/today', '/api/me/plan'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const res = await fetch(SHELL, { cache: 'no-store' });
        if (res.ok) {
          const html = await res.clone().text();
          await cache.put(SHELL, res);
          const assets = [...html.matchAll(/(?:src|href)="(\/[^"]+\.(?:js|css|webmanifest|png|svg))"/g)].map((m) => m[1]);
          await Promise.all(assets.map((a) => cache.add(a).catch(() => undefined)));
        }
      } catch {
        // Installed while offline: the shell is cached on the next visit instead.
      }
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key.startsWith('varde-patient') && key !== CACHE) await caches.delete(key);
      // The page that registered this worker fetched its data before the worker was in control:
      // take a first copy now (with the session cookie), so the app also opens offline next time.
      const cache = await caches.open(CACHE);
      await Promise.all(
        API_CACHED.map(async (path) => {
          try {
            const res = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } });
            if (res.ok) await cache.put(path, res);
          } catch {
            // Offline or logged out: cached on the next successful request instead.
          }
        }),
      );
      await self.clients.claim();
    })(),
  );
});

async function networkFirst(request, cacheKey) {
  const cache = await caches.open(CACHE);
  try {
    const res = await fetch(request);
    if (res.ok) await cache.put(cacheKey, res.clone());
    return res;
  } catch (err) {
    const hit = await cache.match(cacheKey);
    if (hit) return hit;
    throw err;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const res = await fetch(request);
  if (res.ok) await cache.put(request, res.clone());
  return res;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && url.pathname.startsWith('/patient/')) {
    event.respondWith(networkFirst(request, SHELL));
  } else if (url.pathname.startsWith('/assets/') || (url.pathname.startsWith('/patient/') && url.pathname !== '/patient/sw.js')) {
    // Vite's asset names carry a content hash, so a cached copy is always the right one.
    event.respondWith(cacheFirst(request));
  } else if (API_CACHED.includes(url.pathname) || url.pathname.startsWith('/api/questionnaires/')) {
    event.respondWith(networkFirst(request, url.pathname));
  }
});

self.addEventListener('message', (event) => {
  if (event.data === 'forget') event.waitUntil(caches.delete(CACHE));
});
