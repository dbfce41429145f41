/* The care worker app's service worker: the app opens with no signal.
 *
 * Served by homecare/visits/views/mobile.py at /visits/app/sw.js (its scope is the app and nothing
 * else), which puts `const CONFIG = {version, appUrl, shell, staticPrefix}` in front of this file. The
 * version is a digest of this script and the files it keeps, so any change installs a new worker whose
 * cache replaces the old one.
 *
 * - The app page: network first (so it is always the signed-in worker's latest), the kept copy when
 *   there is no signal.
 * - Static files (the app's script and styles, GOV.UK Frontend): kept, served from the cache.
 * - Everything else, the API above all, goes to the network untouched and is never kept here: the app
 *   keeps the worker's own visits itself, per worker (see app.js).
 */
/* global CONFIG */

const CACHE_PREFIX = "ohc-visits-";
const CACHE = `${CACHE_PREFIX}${CONFIG.version}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // One file that cannot be fetched must not stop the rest being kept.
      await Promise.all(CONFIG.shell.map((url) => cache.add(url).catch(() => undefined)));
      await keepPage(cache, await fetchPage(CONFIG.appUrl).catch(() => null));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names
          .filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE)
          .map((name) => caches.delete(name)),
      );
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === CONFIG.appUrl) {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith(CONFIG.staticPrefix)) {
    event.respondWith(staticFile(request));
  }
  // Anything else (the API, other pages) is left to the browser: not answered, not kept.
});

function fetchPage(url) {
  return fetch(url, { credentials: "same-origin", cache: "no-store" });
}

async function keepPage(cache, response) {
  // Only the page itself: never a redirect to sign in, an error or someone else's page.
  if (
    response &&
    response.ok &&
    response.status === 200 &&
    !response.redirected &&
    response.type === "basic"
  ) {
    await cache.put(CONFIG.appUrl, response.clone());
  }
}

async function page(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    await keepPage(cache, response);
    if (response.status >= 500) {
      return (await cache.match(CONFIG.appUrl)) || response;
    }
    return response;
  } catch (error) {
    const kept = await cache.match(CONFIG.appUrl);
    if (kept) return kept;
    return new Response(
      '<!DOCTYPE html><html lang="en-GB"><meta charset="utf-8"><meta name="viewport" ' +
        'content="width=device-width, initial-scale=1"><title>No signal – OpenHomecare</title>' +
        "<h1>No signal</h1><p>Open the visits app once with signal, then it works without.</p></html>",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } },
    );
  }
}

async function staticFile(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") {
    await cache.put(request, response.clone());
  }
  return response;
}
