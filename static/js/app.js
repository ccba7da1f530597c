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
