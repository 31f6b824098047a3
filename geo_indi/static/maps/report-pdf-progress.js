/* Polls a report PDF being made by the worker; shows the download link when it is ready, the error when it failed. */
(function () {
  "use strict";
  var box = document.getElementById("report-pdf");
  if (!box) return;
  var POLL_MS = 1500;
  function pending(state) { return state === "queued" || state === "running"; }
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (pdf) {
        box.dataset.state = pdf.state;
        document.getElementById("report-pdf-status").textContent = pdf.state_display;
        if (pending(pdf.state)) { setTimeout(poll, POLL_MS); return; }
        if (!pdf.download_url) { window.location.reload(); return; }  // failed: the page says why, and offers a retry
        var reload = document.getElementById("report-pdf-reload");
        if (reload) reload.hidden = true;
        document.getElementById("report-pdf-message").textContent = "";
        document.getElementById("report-pdf-link").href = pdf.download_url;
        document.getElementById("report-pdf-download").hidden = false;
      })
      .catch(function () { setTimeout(poll, POLL_MS * 5); });
  }
  if (pending(box.dataset.state)) setTimeout(poll, POLL_MS);
})();
