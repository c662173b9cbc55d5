// healthpov service worker (served by desk.phone.service_worker at /sw.js; docs/field-sync.md,
// "Phone app"). It keeps the field page's shell and the static files it needs, serves them
// when there is no connection, and caches nothing else: no page of a signed-in user, no API
// answer. The offline data itself lives in IndexedDB (static/js/offline.js).
"use strict";

const CONFIG = {{ config|safe }};
const CACHE = "healthpov-shell-" + CONFIG.version;
const PRECACHE = new Set(CONFIG.precache);
const SHELL_KEY = new URL(CONFIG.fieldUrl, self.location.origin).href;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE)
      .then(function (cache) { return cache.addAll(CONFIG.precache); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  // Older caches stay until this version holds a shell of its own: a phone that updates the
  // worker while offline still opens the field page.
  event.waitUntil(self.clients.claim().then(dropOldCachesOnceShellIsKept));
});

function dropOldCachesOnceShellIsKept() {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(SHELL_KEY, { ignoreSearch: true, ignoreVary: true });
  }).then(function (shell) {
    if (!shell) return undefined;
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("healthpov-shell-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    });
  });
}

// The shell is kept only as the server sent it to a signed-in field worker: a redirect to the
// log-in page or a refusal is never kept in its place.
function keepShell(response) {
  if (!response || !response.ok || response.redirected || response.type !== "basic") {
    return Promise.resolve(false);
  }
  return caches.open(CACHE).then(function (cache) {
    return cache.put(SHELL_KEY, response);
  }).then(dropOldCachesOnceShellIsKept).then(function () { return true; });
}

function fetchShell() {
  return fetch(CONFIG.fieldUrl, { credentials: "same-origin", cache: "no-store" })
    .then(keepShell)
    .catch(function () { return false; });
}

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "keep-shell") {
    event.waitUntil(fetchShell().then(function (kept) {
      if (event.source) event.source.postMessage({ type: "shell-kept", kept: kept });
    }));
  }
});

function navigate(event, url) {
  const isField = url.pathname === CONFIG.fieldUrl;
  return fetch(event.request).then(function (response) {
    if (isField) event.waitUntil(keepShell(response.clone()));
    return response;
  }).catch(function (error) {
    return caches.match(SHELL_KEY, { ignoreSearch: true, ignoreVary: true }).then(function (shell) {
      if (!shell) throw error;
      // Offline, every page of the app leads to the field page.
      return isField ? shell : Response.redirect(CONFIG.fieldUrl, 302);
    });
  });
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(event, url));
    return;
  }
  if (PRECACHE.has(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then(function (cached) {
      return cached || fetch(request);
    }));
  }
});
