/* The kiosk's thank-you page (the no-JavaScript path's landing) returns to the survey by itself for
   the next person. Not with <meta http-equiv="refresh">, which nobody can stop (WCAG 2.2.1): any key
   or touch on this page cancels the return, and "Start again" is always there. */
(function () {
  "use strict";
  var link = document.getElementById("kiosk-restart");
  if (!link) return;
  var timer = setTimeout(function () { window.location.assign(link.href); },
                         (parseInt(link.dataset.seconds, 10) || 5) * 1000);
  function stay() { clearTimeout(timer); }
  ["keydown", "pointerdown"].forEach(function (type) {
    document.addEventListener(type, stay, { once: true, capture: true });
  });
})();
