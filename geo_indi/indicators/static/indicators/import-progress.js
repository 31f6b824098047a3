/* Polls a running Sotkanet import and shows its progress; stops when it is done or failed. */
(function () {
  "use strict";
  var box = document.getElementById("import-run");
  if (!box) return;
  var POLL_MS = 1000;
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (run) {
        document.getElementById("import-progress").value = run.percent;
        document.getElementById("import-progress").textContent = run.percent + " %";
        document.getElementById("import-status").textContent = run.status_display;
        document.getElementById("import-message").textContent = run.message;
        box.dataset.status = run.status;
        if (run.status === "running") setTimeout(poll, POLL_MS);
      })
      .catch(function () { setTimeout(poll, POLL_MS * 5); });
  }
  if (box.dataset.status === "running") setTimeout(poll, POLL_MS);
})();
