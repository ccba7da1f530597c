// Upload progress on the module files page (templates/learning/files.html). The form works
// without this file; with it, htmx sends the form (hx-boost) and this shows how much of the
// file has gone, refuses a file over the limit before sending it, and lets the page with a
// 413/415 message (too big, wrong type) replace the form like a 422 does.
(function () {
  "use strict";
  var SELECTOR = "form[data-upload-progress]";

  function parts(form) {
    var box = form.querySelector(".upload-progress");
    return { box: box, bar: box.querySelector("progress"), text: box.querySelector(".upload-progress-text") };
  }

  function fileSize(form) {
    var input = form.querySelector("input[type=file]");
    return input && input.files && input.files[0] ? input.files[0].size : 0;
  }

  function percent(share) {
    var lang = document.documentElement.lang || "pl";
    return new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 }).format(share);
  }

  // Capture phase: runs before htmx's own submit handler on the form.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches(SELECTOR)) { return; }
    var ui = parts(form);
    var limit = Number(form.dataset.maxBytes || 0);
    if (limit && fileSize(form) > limit) {
      event.preventDefault();
      event.stopPropagation();
      ui.box.hidden = false;
      ui.bar.hidden = true;
      ui.text.classList.add("field-error");
      ui.text.textContent = form.dataset.tooBig;
      return;
    }
    ui.box.hidden = false;
    ui.bar.hidden = false;
    ui.bar.value = 0;
    ui.text.classList.remove("field-error");
    ui.text.textContent = form.dataset.sending.replace("{percent}", percent(0));
  }, true);

  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches(SELECTOR) || !event.detail.lengthComputable) { return; }
    // Both the upload and the download of the answer report progress: only the upload's
    // total is at least the file's size.
    if (event.detail.total < fileSize(form)) { return; }
    var ui = parts(form);
    var share = event.detail.total ? event.detail.loaded / event.detail.total : 0;
    ui.bar.value = Math.round(share * 100);
    ui.text.textContent = share >= 1 ? form.dataset.sent
      : form.dataset.sending.replace("{percent}", percent(share));
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var config = event.detail.requestConfig;
    var form = config && config.elt;
    if (!form || !form.matches || !form.matches(SELECTOR)) { return; }
    var status = event.detail.xhr.status;
    if (status === 413 || status === 415) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
