/* geo_indi field app service worker: caches the app shell so the page opens offline.
   Writes (POST/PATCH/DELETE) are never touched here; the page queues them in IndexedDB. */
"use strict";
const CACHE = "{{ cache_name }}";
const SHELL = {{ shell_json|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => Promise.all(SHELL.map((url) =>
      fetch(url, { credentials: "same-origin" }).then((response) => {
        if (response.ok && !response.redirected) return cache.put(url, response);
        return null;
      }).catch(() => null)
    ))).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(
      keys.filter((key) => key.startsWith("geo-indi-field-") && key !== CACHE).map((key) => caches.delete(key))
    )).then(() => self.clients.claim())
  );
});

function networkFirst(request, cacheKey) {
  return fetch(request).then((response) => {
    if (response.ok && !response.redirected && response.type === "basic") {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(cacheKey, copy));
    }
    return response;
  }).catch(() => caches.match(cacheKey).then((cached) => cached || Response.error()));
}

function cacheFirst(request, cacheKey) {
  return caches.match(cacheKey).then((cached) => cached || networkFirst(request, cacheKey));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const path = url.pathname;
  if (request.mode === "navigate") {
    if (path === SHELL[0]) event.respondWith(networkFirst(request, path));
    return;
  }
  if (SHELL.includes(path + url.search)) {
    const isStatic = path.startsWith("{{ static_prefix }}");
    event.respondWith(isStatic ? cacheFirst(request, path + url.search) : networkFirst(request, path + url.search));
  }
});
