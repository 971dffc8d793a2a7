// Kiosk mode: answers are kept on the tablet and sent with their idempotency key until the
// server confirms them, so a flaky network loses nothing and never stores an answer twice.
// After the thank-you, the form returns to the start for the next citizen.
(function () {
  "use strict";
  var form = document.getElementById("kiosk-form");
  if (!form || !window.fetch || !window.URLSearchParams) { return; } // the plain form still works
  var survey = document.getElementById("kiosk-survey");
  var thanks = document.getElementById("kiosk-thanks");
  var statusLine = document.getElementById("kiosk-status");
  var queueKey = form.dataset.storageKey + ".pending";
  var resetSeconds = parseInt(form.dataset.resetSeconds || "5", 10);
  var submitUrl = form.dataset.submitUrl;
  var memoryQueue = [];
  var sending = false;
  var retryDelay = 1000;
  var retryTimer = null;

  function uuid4() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes); // randomUUID() needs HTTPS; tablets may be on plain LAN http
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function load() {
    try { return JSON.parse(window.localStorage.getItem(queueKey) || "[]"); } catch (e) { return memoryQueue; }
  }
  function save(list) {
    memoryQueue = list;
    try { window.localStorage.setItem(queueKey, JSON.stringify(list)); } catch (e) { /* memory only */ }
  }
  function removeKey(key) { save(load().filter(function (item) { return item.key !== key; })); }

  function showStatus() {
    var waiting = load().length;
    statusLine.textContent = waiting ? form.dataset.msgPending + " (" + waiting + ")" : "";
  }

  function csrfToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function later(seconds) {
    sending = false;
    showStatus();
    clearTimeout(retryTimer);
    var wait = seconds ? seconds * 1000 : retryDelay;
    retryDelay = Math.min(retryDelay * 2, 30000);
    retryTimer = setTimeout(flush, wait);
  }

  function flush() {
    if (sending) { return; }
    var queue = load();
    if (!queue.length) { showStatus(); return; }
    sending = true;
    var item = queue[0];
    fetch(submitUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken()
      },
      body: item.body
    }).then(function (response) {
      if (response.status === 200 || response.status === 201) {
        removeKey(item.key);
        retryDelay = 1000;
        sending = false;
        showStatus();
        flush();
      } else if (response.status === 429 || response.status >= 500 || response.status === 408) {
        later(parseInt(response.headers.get("Retry-After") || "0", 10));
      } else if (response.status === 403) {
        // The CSRF cookie is gone (cleared or expired): a fresh page brings a new one, and the
        // queued answers survive the reload.
        sending = false;
        setTimeout(function () { window.location.reload(); }, retryDelay);
      } else {
        // 400/404/410: the server will never take this answer (kiosk revoked, survey closed);
        // keeping it would block the answers behind it.
        removeKey(item.key);
        sending = false;
        showStatus();
        flush();
      }
    }).catch(function () { later(0); }); // offline or the server unreachable: try again
  }

  function missingRequired() {
    var missing = [];
    form.querySelectorAll("fieldset[data-required]").forEach(function (fieldset) {
      if (!fieldset.querySelector("input:checked")) { missing.push(fieldset); }
    });
    return missing;
  }

  function startOver() {
    form.reset();
    form.querySelector("input[name=idempotency_key]").value = uuid4();
    var summary = document.getElementById("error-summary");
    if (summary) { summary.remove(); }
    form.querySelectorAll(".question-invalid").forEach(function (el) { el.classList.remove("question-invalid"); });
    form.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
    thanks.hidden = true;
    survey.hidden = false;
    window.scrollTo(0, 0);
    var first = form.querySelector("fieldset");
    if (first) { first.focus(); }
  }

  form.addEventListener("submit", function (event) {
    if (missingRequired().length) {
      return; // let the server explain, next to each question, in the page's language
    }
    event.preventDefault();
    var body = new URLSearchParams(new FormData(form)).toString();
    var key = form.querySelector("input[name=idempotency_key]").value;
    var queue = load();
    if (!queue.some(function (item) { return item.key === key; })) {
      queue.push({ key: key, body: body });
      save(queue);
    }
    survey.hidden = true;
    thanks.hidden = false;
    thanks.focus();
    flush();
    setTimeout(startOver, resetSeconds * 1000);
  });

  window.addEventListener("online", function () { retryDelay = 1000; flush(); });
  flush();
})();
