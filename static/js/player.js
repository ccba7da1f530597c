// Koalicje learning path: watch tracking and resume for local recordings, click-to-load
// YouTube embeds, the certificate's print button. Everything works without this file
// (the recording plays, "watched" is a plain form); this adds the real tracking.
(function () {
  "use strict";

  var REPORT_EVERY_MS = 10000;
  var MAX_STEP = 2.5; // seconds between timeupdates still counted as continuous playback

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) { return ""; }
  }

  function randomId() {
    var bytes = new Uint8Array(8);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function track(player) {
    var reportUrl = player.getAttribute("data-report-url");
    var progressUrl = player.getAttribute("data-progress-url");
    var source = player.getAttribute("data-source");
    var resume = parseFloat(player.getAttribute("data-resume") || "0") || 0;
    var session = randomId();
    var seq = 0;
    var pending = []; // [[start, end], ...] played since the last successful report
    var segmentStart = null;
    var lastTime = 0;
    var watched = false;
    var timer = null;

    function closeSegment() {
      if (segmentStart !== null && lastTime > segmentStart) {
        pending.push([segmentStart, lastTime]);
      }
      segmentStart = null;
    }

    function payload() {
      closeSegment();
      if (!player.paused && !player.ended) { segmentStart = player.currentTime; lastTime = segmentStart; }
      seq += 1;
      var ranges = pending;
      pending = [];
      return {
        source: source, session: session, seq: seq, ranges: ranges,
        position: player.currentTime, duration: player.duration
      };
    }

    function report() {
      if (!isFinite(player.duration) || player.duration <= 0) { return; }
      var data = payload();
      fetch(reportUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(data)
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (result) {
        var bar = document.getElementById("watch-share");
        var percent = Math.round(result.share * 100);
        if (bar) { bar.value = percent; }
        // The text follows the bar ("Odtworzono 37%"), not only the bar.
        var text = document.getElementById("watch-percent");
        if (text) { text.textContent = percent + "%"; }
        // The first report starts the module: reload the region so its status says so.
        var region = document.getElementById("module-progress");
        var starting = region && region.getAttribute("data-status") === "not_started";
        if ((starting || (result.watched && !watched)) && window.htmx && progressUrl) {
          window.htmx.ajax("GET", progressUrl, { target: "#module-progress", swap: "outerHTML" });
        }
        watched = result.watched;
      }).catch(function () {
        // Keep what was played for the next report; the server merges repeats.
        pending = data.ranges.concat(pending);
      });
    }

    function beacon() {
      if (!navigator.sendBeacon || !isFinite(player.duration)) { return; }
      var data = payload();
      if (!data.ranges.length && data.position === 0) { return; }
      var form = new FormData();
      form.append("csrf_token", csrfToken());
      Object.keys(data).forEach(function (key) {
        form.append(key, key === "ranges" ? JSON.stringify(data[key]) : String(data[key]));
      });
      navigator.sendBeacon(reportUrl, form);
    }

    player.addEventListener("loadedmetadata", function () {
      if (resume > 1 && player.currentTime < 1 && resume < player.duration - 3) {
        player.currentTime = resume;
      }
    });
    player.addEventListener("play", function () {
      segmentStart = player.currentTime;
      lastTime = segmentStart;
      if (!timer) { timer = window.setInterval(report, REPORT_EVERY_MS); }
    });
    player.addEventListener("timeupdate", function () {
      if (segmentStart === null || player.seeking) { return; }
      var now = player.currentTime;
      if (now >= lastTime && now - lastTime <= MAX_STEP) {
        lastTime = now;
      } else {
        closeSegment();
        segmentStart = now;
        lastTime = now;
      }
    });
    player.addEventListener("seeking", closeSegment);
    player.addEventListener("seeked", function () {
      if (!player.paused) { segmentStart = player.currentTime; lastTime = segmentStart; }
    });
    function stop() {
      if (timer) { window.clearInterval(timer); timer = null; }
      report();
    }
    player.addEventListener("pause", stop);
    player.addEventListener("ended", stop);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && !player.paused) { beacon(); }
    });
    window.addEventListener("pagehide", function () { if (!player.paused) { beacon(); } });
  }

  function consentEmbeds() {
    document.querySelectorAll(".embed-consent").forEach(function (box) {
      var button = box.querySelector(".embed-load");
      if (!button) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        var frame = document.createElement("iframe");
        frame.src = box.getAttribute("data-embed-src") + "?autoplay=1";
        frame.title = box.getAttribute("data-embed-title") || "YouTube";
        frame.className = "embed-frame";
        frame.setAttribute("allow", "autoplay; encrypted-media; picture-in-picture; fullscreen");
        frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
        frame.setAttribute("allowfullscreen", "");
        box.replaceChildren(frame);
        frame.focus();
      });
    });
  }

  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function init() {
    document.querySelectorAll(".module-player[data-report-url]").forEach(track);
    consentEmbeds();
    printButtons();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
