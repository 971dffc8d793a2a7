/* The status page of a background export updates itself: it asks the same address for its state
   every two seconds (no <meta http-equiv="refresh">, which nobody can stop — WCAG 2.2.1) and, when
   the export is ready or has failed, loads the page once more to show the link or the reason.
   The progress bar and the live message change in place; a screen reader hears the message. */
(function () {
  "use strict";
  var box = document.getElementById("export-status");
  if (!box || box.dataset.final === "true" || !window.fetch) return;
  var bar = document.getElementById("export-progress");
  var message = document.getElementById("export-message");
  var failures = 0;
  function poll() {
    fetch(box.dataset.poll, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 410 || response.status === 404) { window.location.reload(); return null; }
        return response.json();
      })
      .then(function (data) {
        if (!data) return;
        failures = 0;
        bar.value = data.progress;
        bar.textContent = data.progress + "%";
        if (message.textContent !== data.message) message.textContent = data.message;
        if (data.state === "ready" || data.state === "failed") { window.location.reload(); return; }
        setTimeout(poll, 2000);
      })
      .catch(function () {
        failures += 1;
        if (failures < 30) setTimeout(poll, 5000);
      });
  }
  setTimeout(poll, 2000);
})();
