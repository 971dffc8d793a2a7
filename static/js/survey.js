// The citizen survey page: focus the error summary after a refused submit, and show that a
// submission is on its way (the server's idempotency key makes a second click harmless anyway).
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  var form = document.querySelector("form.survey-form");
  if (!form) { return; }
  form.addEventListener("submit", function () {
    var button = form.querySelector(".submit-btn");
    if (button && form.dataset.submittingLabel) {
      button.setAttribute("aria-busy", "true");
      button.textContent = form.dataset.submittingLabel;
    }
  });
})();
