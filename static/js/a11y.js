/* Keyboard access to scrolling regions: a table wider than the screen (.table-responsive) takes the
   focus (tabindex=0) and is named after its table, so keyboard users can scroll it with the arrow
   keys and screen readers announce it (WCAG 2.1.1; axe "scrollable-region-focusable"). Tables that
   fit are left out of the tab order. Re-checked when the window is resized. */
(function () {
  "use strict";
  function label(region) {
    var table = region.querySelector("table");
    if (!table) return "";
    var caption = table.querySelector("caption");
    if (caption) return caption.textContent.trim();
    return table.getAttribute("aria-label") || "";
  }
  function update() {
    document.querySelectorAll(".table-responsive").forEach(function (region) {
      var scrolls = region.scrollWidth > region.clientWidth + 1;
      if (scrolls && !region.hasAttribute("tabindex")) {
        region.setAttribute("tabindex", "0");
        var name = label(region);
        if (name) {
          region.setAttribute("role", "region");
          region.setAttribute("aria-label", name);
        }
        region.dataset.a11yScroll = "1";
      } else if (!scrolls && region.dataset.a11yScroll) {
        region.removeAttribute("tabindex");
        region.removeAttribute("role");
        region.removeAttribute("aria-label");
        delete region.dataset.a11yScroll;
      }
    });
  }
  var timer;
  window.addEventListener("resize", function () { clearTimeout(timer); timer = setTimeout(update, 150); });
  document.addEventListener("toggle", update, true); // <details> opening reveals tables
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", update);
  else update();
})();
