/* Survey authoring: show only the fields a question kind uses; drag and drop questions.
   Everything here is an enhancement: without JavaScript the forms and ↑/↓ buttons do the same. */
(function () {
  "use strict";

  // Question form: dimension only for ratings, choices only for choice questions.
  var kind = document.querySelector(".question-form select[name=kind]");
  if (kind) {
    var sync = function () {
      document.querySelectorAll("[data-show-for]").forEach(function (el) {
        var kinds = el.getAttribute("data-show-for").split(" ");
        var show = kinds.indexOf(kind.value) !== -1;
        // Keep a field visible when it holds an error, so the message is never hidden.
        if (!show && el.querySelector(".is-invalid")) { show = true; }
        el.hidden = !show;
        // A hidden field is not sent, so a value typed for another kind is kept but never refused.
        el.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !show; });
      });
    };
    kind.addEventListener("change", sync);
    sync();
  }

  // Question list: drag and drop sends the whole new order with the draft revision.
  var list = document.querySelector(".question-list[data-reorder-url]");
  if (!list) { return; }
  var csrf = document.querySelector(".question-actions input[name=csrfmiddlewaretoken]");
  if (!csrf) { return; }
  list.classList.add("js-dnd");
  var dragged = null;

  list.addEventListener("dragstart", function (e) {
    dragged = e.target.closest(".question-row");
    if (!dragged) { return; }
    dragged.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", dragged.dataset.id);
  });
  list.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    list.querySelectorAll(".drop-target").forEach(function (el) { el.classList.remove("drop-target"); });
    dragged = null;
  });
  list.addEventListener("dragover", function (e) {
    var row = e.target.closest(".question-row");
    if (!dragged || !row || row === dragged) { return; }
    e.preventDefault();
    list.querySelectorAll(".drop-target").forEach(function (el) { el.classList.remove("drop-target"); });
    row.classList.add("drop-target");
  });
  list.addEventListener("drop", function (e) {
    var row = e.target.closest(".question-row");
    if (!dragged || !row || row === dragged) { return; }
    e.preventDefault();
    var rows = Array.prototype.slice.call(list.querySelectorAll(".question-row"));
    if (rows.indexOf(dragged) < rows.indexOf(row)) { row.after(dragged); } else { row.before(dragged); }
    var body = new URLSearchParams();
    body.append("csrfmiddlewaretoken", csrf.value);
    body.append("revision", list.dataset.revision);
    list.querySelectorAll(".question-row").forEach(function (el) { body.append("order", el.dataset.id); });
    fetch(list.dataset.reorderUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
      .then(function (res) {
        if (!res.ok) { window.alert(res.data.error || list.dataset.error); }
        // Reload so numbers, ↑/↓ buttons and the revision of every form are current.
        window.location.reload();
      })
      .catch(function () { window.alert(list.dataset.error); window.location.reload(); });
  });
})();
