// healthpov offline store (docs/field-sync.md, "Phone app"). Loaded on every page.
//
// IndexedDB "healthpov-offline" holds:
//   packages  the offline package of /api/field/package/, one per user id (in practice only the
//             signed-in user's: another user's is erased as soon as somebody else signs in);
//   queue     records made on the phone, keyed by a UUID made here, each with queued_by (the user
//             id), a state (pending | refused | sent) and the server's message when refused;
//   meta      who is signed in on this phone (current_user).
// Every page: registers the service worker (village doctors and township staff), notes who is
// signed in, sends that user's waiting records when online and erases the offline data on
// logout and on the log-in page (reached after a logout or the session's idle timeout). Unsent
// records survive a sign-out only when the user confirms; they are never sent under another
// user. No inline script (CSP): behaviour hangs on data-* attributes.
(function () {
  "use strict";

  var DB_NAME = "healthpov-offline";
  var DB_VERSION = 1;
  var PACKAGE_URL = "/api/field/package/";
  var SYNC_URL = "/api/field/sync/";
  var SYNC_BATCH = 100;

  var WORDS = {
    "zh-hans": {
      pending: "待上传 {n} 条",
      refused: "{n} 条被退回",
      keepUnsent: "此手机上还有 {n} 条入户记录尚未上传。\n\n点“确定”保留这些记录,下次登录后上传;\n点“取消”删除这些记录。",
      downloading: "正在下载……",
      downloaded: "已下载:{villages} 个村、{households} 户、{persons} 人({at})",
      unchanged: "离线数据已是最新({at})",
      downloadFailed: "下载失败:{reason}",
      offlineNow: "当前没有网络,请联网后再下载",
      signedOut: "登录已失效,请重新登录后再上传",
      syncFailed: "上传失败:{reason}",
      syncDone: "已上传 {sent} 条,退回 {refused} 条",
      notOwner: "下载的数据不属于当前登录用户"
    },
    en: {
      pending: "{n} to send",
      refused: "{n} refused",
      keepUnsent: "{n} field records on this phone have not been sent yet.\n\nOK keeps them to send after you sign in again;\nCancel deletes them.",
      downloading: "Downloading…",
      downloaded: "Downloaded: {villages} villages, {households} households, {persons} persons ({at})",
      unchanged: "The offline data is up to date ({at})",
      downloadFailed: "Download failed: {reason}",
      offlineNow: "No connection: download once you are online",
      signedOut: "You were signed out: sign in again to send",
      syncFailed: "Sending failed: {reason}",
      syncDone: "{sent} sent, {refused} refused",
      notOwner: "The downloaded data is not the signed-in user's"
    }
  };

  function language() {
    var lang = (document.documentElement.lang || "zh-hans").toLowerCase();
    return WORDS[lang] ? lang : (lang.indexOf("zh") === 0 ? "zh-hans" : "en");
  }

  function t(key, values) {
    var text = WORDS[language()][key] || WORDS["zh-hans"][key] || key;
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return values && values[name] !== undefined ? String(values[name]) : all;
    });
  }

  // --- IndexedDB, as promises ------------------------------------------------------------------

  var dbPromise = null;

  function openDb() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = function () {
        var db = request.result;
        db.createObjectStore("packages", { keyPath: "user_id" });
        db.createObjectStore("queue", { keyPath: "uuid" });
        db.createObjectStore("meta", { keyPath: "key" });
      };
      request.onsuccess = function () {
        var db = request.result;
        db.onversionchange = function () { db.close(); dbPromise = null; };
        resolve(db);
      };
      request.onerror = function () { dbPromise = null; reject(request.error); };
    });
    return dbPromise;
  }

  function read(storeName, call) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var request = call(db.transaction(storeName, "readonly").objectStore(storeName));
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    });
  }

  // Resolves once the transaction has committed (a page may navigate away right after).
  function write(storeNames, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeNames, "readwrite");
        var stores = {};
        [].concat(storeNames).forEach(function (name) { stores[name] = tx.objectStore(name); });
        work(stores);
        tx.oncomplete = function () { resolve(); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function changed() {
    document.dispatchEvent(new CustomEvent("hp-offline-change"));
  }

  function asId(value) {
    var id = parseInt(value, 10);
    return isNaN(id) ? null : id;
  }

  function currentUser() {
    return read("meta", function (s) { return s.get("current_user"); }).then(function (row) {
      return row ? row.value : null;
    });
  }

  // A signed-in page names its user: erase anybody else's package, and this user's records kept
  // at their last sign-out are theirs to send again (asked about again at the next sign-out).
  function setCurrentUser(userId) {
    return read("queue", function (s) { return s.getAll(); }).then(function (records) {
      return read("packages", function (s) { return s.getAllKeys(); }).then(function (owners) {
        return write(["meta", "packages", "queue"], function (stores) {
          stores.meta.put({ key: "current_user", value: userId });
          owners.forEach(function (owner) {
            if (owner !== userId) stores.packages.delete(owner);
          });
          records.forEach(function (record) {
            if (record.queued_by === userId && record.kept) {
              record.kept = false;
              stores.queue.put(record);
            }
          });
        });
      });
    });
  }

  function getPackage(userId) {
    return read("packages", function (s) { return s.get(userId); });
  }

  function listRecords() {
    return read("queue", function (s) { return s.getAll(); });
  }

  function getRecord(uuid) {
    return read("queue", function (s) { return s.get(uuid); });
  }

  function saveRecord(record) {
    return write("queue", function (stores) { stores.queue.put(record); }).then(function () {
      changed();
      return record;
    });
  }

  // A corrected refused record goes out under a new UUID: the old one was never stored.
  function replaceRecord(oldUuid, record) {
    return write("queue", function (stores) {
      stores.queue.delete(oldUuid);
      stores.queue.put(record);
    }).then(function () { changed(); return record; });
  }

  function deleteRecord(uuid) {
    return write("queue", function (stores) { stores.queue.delete(uuid); }).then(changed);
  }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function counts(userId) {
    return listRecords().then(function (records) {
      var result = { pending: 0, refused: 0, sent: 0, others: 0 };
      records.forEach(function (record) {
        if (record.queued_by !== userId) {
          if (record.state !== "sent") result.others += 1;
        } else {
          result[record.state] += 1;
        }
      });
      return result;
    });
  }

  // --- Download and sync -------------------------------------------------------------------------

  function stamp(iso) {
    var date = new Date(iso);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return date.getFullYear() + "-" + two(date.getMonth() + 1) + "-" + two(date.getDate()) + " " +
      two(date.getHours()) + ":" + two(date.getMinutes());
  }

  function describe(stored, unchanged) {
    var data = stored.data;
    if (unchanged) return t("unchanged", { at: stamp(stored.checked_at) });
    return t("downloaded", {
      villages: data.places.length,
      households: data.households.length,
      persons: data.persons.length,
      at: stamp(stored.downloaded_at)
    });
  }

  function SignedOut() { this.name = "SignedOut"; this.message = t("signedOut"); }
  SignedOut.prototype = Object.create(Error.prototype);

  function failure(response) {
    return response.text().then(function (text) {
      var detail = "";
      try { detail = JSON.parse(text).detail || ""; } catch (ignored) { detail = ""; }
      return new Error(detail || "HTTP " + response.status);
    });
  }

  // Downloads the signed-in user's package unless the stored one is current (ETag). With no
  // user known on this phone yet (the field page opened straight after signing in), the
  // server's answer says who is signed in.
  function download(userId) {
    return (userId === null ? Promise.resolve(null) : getPackage(userId)).then(function (stored) {
      var headers = { Accept: "application/json" };
      if (stored && stored.etag) headers["If-None-Match"] = stored.etag;
      return fetch(PACKAGE_URL, { credentials: "same-origin", cache: "no-store", headers: headers })
        .then(function (response) {
          if (response.status === 401) throw new SignedOut();
          if (response.status === 304 && stored) {
            stored.checked_at = new Date().toISOString();
            return write("packages", function (s) { s.packages.put(stored); }).then(function () {
              return { unchanged: true, stored: stored };
            });
          }
          if (!response.ok) return failure(response).then(function (error) { throw error; });
          return response.json().then(function (data) {
            var owner = data.user ? asId(data.user.id) : null;
            if (owner === null || (userId !== null && owner !== userId)) throw new Error(t("notOwner"));
            var now = new Date().toISOString();
            var fresh = {
              user_id: owner,
              version: data.version,
              etag: response.headers.get("ETag") || '"' + data.version + '"',
              downloaded_at: now,
              checked_at: now,
              data: data
            };
            var adopted = userId === null ? setCurrentUser(owner) : Promise.resolve();
            return adopted.then(function () {
              return write("packages", function (s) { s.packages.put(fresh); });
            }).then(function () {
              return { unchanged: false, stored: fresh };
            });
          });
        });
    }).then(function (result) {
      keepShell();
      changed();
      result.message = describe(result.stored, result.unchanged);
      result.userId = result.stored.user_id;
      return result;
    });
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function payload(record) {
    var sent = {
      uuid: record.uuid,
      kind: record.kind,
      queued_by: record.queued_by,
      queued_at: record.queued_at,
      data: record.data
    };
    if (record.person) sent.person = record.person;
    if (record.household) sent.household = record.household;
    return sent;
  }

  function sendBatch(batch) {
    return fetch(SYNC_URL, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ records: batch.map(payload) })
    }).then(function (response) {
      if (response.status === 401) throw new SignedOut();
      if (!response.ok) return failure(response).then(function (error) { throw error; });
      return response.json();
    }).then(function (answer) {
      var byUuid = {};
      batch.forEach(function (record) { byUuid[record.uuid] = record; });
      var sent = 0;
      var refused = 0;
      var now = new Date().toISOString();
      return write("queue", function (stores) {
        (answer.results || []).forEach(function (result) {
          var record = byUuid[result.uuid];
          if (!record) return;
          if (result.status === "accepted" || result.status === "duplicate") {
            record.state = "sent";
            record.sent_at = now;
            record.record_id = result.record_id || null;
            record.message = "";
            record.errors = {};
            sent += 1;
          } else {
            record.state = "refused";
            record.message = result.message || "";
            record.errors = result.errors || {};
            refused += 1;
          }
          stores.queue.put(record);
        });
      }).then(function () { return { sent: sent, refused: refused }; });
    });
  }

  var syncing = null;

  // Sends the user's pending records (never another user's, never a refused one unchanged).
  function sync(userId) {
    if (syncing) return syncing;
    syncing = listRecords().then(function (records) {
      var waiting = records.filter(function (r) { return r.queued_by === userId && r.state === "pending"; });
      waiting.sort(function (a, b) { return a.queued_at < b.queued_at ? -1 : 1; });
      var total = { sent: 0, refused: 0, tried: waiting.length };
      var chain = Promise.resolve();
      for (var i = 0; i < waiting.length; i += SYNC_BATCH) {
        (function (batch) {
          chain = chain.then(function () {
            return sendBatch(batch).then(function (done) {
              total.sent += done.sent;
              total.refused += done.refused;
            });
          });
        })(waiting.slice(i, i + SYNC_BATCH));
      }
      return chain.then(function () {
        total.message = t("syncDone", total);
        return total;
      });
    }).then(function (total) {
      syncing = null;
      changed();
      return total;
    }, function (error) {
      syncing = null;
      changed();
      throw error;
    });
    return syncing;
  }

  // --- Sign-out -----------------------------------------------------------------------------------

  // The package and sent records go; unsent records stay only if the user says so.
  function eraseOnSignOut() {
    return listRecords().then(function (records) {
      var unsent = records.filter(function (r) { return r.state !== "sent" && !r.kept; });
      var keep = unsent.length > 0 && window.confirm(t("keepUnsent", { n: unsent.length }));
      return write(["packages", "queue", "meta"], function (stores) {
        stores.packages.clear();
        stores.meta.delete("current_user");
        records.forEach(function (record) {
          if (record.state === "sent") {
            stores.queue.delete(record.uuid);
          } else if (!record.kept) {
            if (keep) {
              record.kept = true;
              stores.queue.put(record);
            } else {
              stores.queue.delete(record.uuid);
            }
          }
        });
      });
    }).then(changed);
  }

  function hasDatabase() {
    if (!indexedDB.databases) return Promise.resolve(true);
    return indexedDB.databases().then(function (list) {
      return list.some(function (db) { return db.name === DB_NAME; });
    }, function () { return true; });
  }

  // --- The service worker ---------------------------------------------------------------------------

  function registerWorker() {
    if (!("serviceWorker" in navigator) || !window.isSecureContext) return Promise.resolve(null);
    return navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { return null; });
  }

  // Asks the worker to keep the field page's shell (after a download, so that it opens offline).
  function keepShell() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) registration.active.postMessage({ type: "keep-shell" });
    });
  }

  // --- Page wiring --------------------------------------------------------------------------------

  function showCounters(userId) {
    var counters = document.querySelectorAll("[data-offline-counter]");
    if (!counters.length) return Promise.resolve();
    return counts(userId).then(function (n) {
      var waiting = n.pending + n.refused;
      counters.forEach(function (counter) {
        counter.textContent = t("pending", { n: waiting });
        counter.setAttribute("data-count", String(waiting));
        counter.hidden = waiting === 0 && !counter.hasAttribute("data-offline-counter-always");
      });
    });
  }

  function syncIfOnline(userId) {
    if (!navigator.onLine) return Promise.resolve(null);
    return counts(userId).then(function (n) {
      if (!n.pending) return null;
      return sync(userId).catch(function (error) {
        if (error instanceof SignedOut) window.location.reload();  // the server sends to log in
        return null;
      });
    });
  }

  function wireDownloadButtons(userId) {
    document.querySelectorAll("[data-offline-download]").forEach(function (button) {
      var status = document.getElementById(button.getAttribute("data-status") || "");
      button.addEventListener("click", function () {
        function say(text) { if (status) status.textContent = text; }
        if (!navigator.onLine) { say(t("offlineNow")); return; }
        button.disabled = true;
        say(t("downloading"));
        download(userId).then(function (result) {
          say(result.message);
          button.setAttribute("data-downloaded", "1");
        }, function (error) {
          say(t("downloadFailed", { reason: error.message }));
          if (error instanceof SignedOut) window.location.reload();
        }).then(function () { button.disabled = false; });
      });
    });
  }

  function wireLogout() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches || !form.matches("[data-offline-logout]") || form.getAttribute("data-erased")) return;
      event.preventDefault();
      eraseOnSignOut().catch(function () { return null; }).then(function () {
        form.setAttribute("data-erased", "1");
        form.submit();
      });
    });
  }

  function start() {
    var body = document.body;
    if (!("indexedDB" in window)) return;
    if (document.querySelector("[data-offline-signed-out]")) {
      // The log-in page: whoever used the phone has signed out or was timed out.
      hasDatabase().then(function (exists) {
        return exists ? eraseOnSignOut() : null;
      }).catch(function () { return null; });
      return;
    }
    var userId = asId(body.getAttribute("data-user-id"));
    if (userId === null) return;  // the field page finds its user itself (static/js/field.js)
    wireLogout();
    if (body.hasAttribute("data-field-worker")) registerWorker();
    setCurrentUser(userId).then(function () {
      wireDownloadButtons(userId);
      document.addEventListener("hp-offline-change", function () { showCounters(userId); });
      window.addEventListener("online", function () { syncIfOnline(userId); });
      return showCounters(userId).then(function () { return syncIfOnline(userId); });
    }).catch(function () { return null; });
  }

  window.hpOffline = {
    t: t,
    asId: asId,
    currentUser: currentUser,
    getPackage: getPackage,
    listRecords: listRecords,
    getRecord: getRecord,
    saveRecord: saveRecord,
    replaceRecord: replaceRecord,
    deleteRecord: deleteRecord,
    newUuid: newUuid,
    counts: counts,
    download: download,
    sync: sync,
    SignedOut: SignedOut,
    eraseOnSignOut: eraseOnSignOut,
    registerWorker: registerWorker,
    showCounters: showCounters,
    wireLogout: wireLogout,
    stamp: stamp
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
