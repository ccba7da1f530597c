// Koalicje: small enhancements on top of htmx. Everything works without this file.
(function () {
  "use strict";
  // An htmx request that failed (4xx/5xx other than 422) shows its message in the
  // flash region instead of silently doing nothing.
  document.addEventListener("htmx:responseError", function (event) {
    var region = document.getElementById("flashes");
    if (!region) { return; }
    var xhr = event.detail.xhr;
    var text = "";
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var message = doc.querySelector(".error-message p, article p:not(.error-code)");
      text = message ? message.textContent : "";
    } catch (e) { text = ""; }
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.textContent = text || (document.documentElement.lang === "en" ? "Something went wrong (" + xhr.status + ")." : "Coś poszło nie tak (" + xhr.status + ").");
    region.replaceChildren(p);
  });
  document.addEventListener("htmx:sendError", function () {
    var region = document.getElementById("flashes");
    if (!region) { return; }
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.textContent = document.documentElement.lang === "en" ? "No connection. Try again." : "Brak połączenia. Spróbuj ponownie.";
    region.replaceChildren(p);
  });
})();
// A table wider than the screen scrolls sideways in its .overflow-auto box; such a box must
// be reachable with the keyboard (WCAG 2.1.1, axe: scrollable-region-focusable). Only boxes
// that actually scroll become tab stops; checked on load, after every htmx swap and on resize.
(function () {
  "use strict";
  function markScrollers() {
    document.querySelectorAll(".overflow-auto").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) { box.tabIndex = 0; }
      else { box.removeAttribute("tabindex"); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", markScrollers);
  } else { markScrollers(); }
  document.addEventListener("htmx:afterSettle", markScrollers);
  window.addEventListener("resize", markScrollers);
})();
