/* The initiative page's chart: observations of each phenomenon per month as bars (left axis), feedback
   answers per month as stacked bars (right axis). The table under it has the same numbers. */
(function () {
  "use strict";
  var source = document.getElementById("initiative-trend-data");
  var canvas = document.getElementById("initiative-chart");
  if (!source || !canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var blues = ["rgba(11, 79, 138, 0.6)", "rgba(60, 120, 180, 0.6)", "rgba(110, 160, 210, 0.6)"];
  var verdictColours = { better: "#1d6b2f", same: "#6b6b6b", worse: "#8a3b0b" };
  var datasets = data.phenomena.map(function (p, i) {
    return { type: "bar", label: gettext("Observations") + ": " + p.name, data: p.counts, yAxisID: "counts",
      backgroundColor: blues[i % blues.length], borderColor: "#0b4f8a", borderWidth: 1, stack: "obs-" + i };
  });
  data.feedback.forEach(function (f) {
    datasets.push({ type: "bar", label: gettext("Feedback") + ": " + f.label, data: f.counts, yAxisID: "answers",
      backgroundColor: verdictColours[f.verdict], stack: "feedback" });
  });
  if (!datasets.length) { canvas.parentNode.hidden = true; return; }
  new Chart(canvas, {
    data: { labels: data.months, datasets: datasets },
    options: {
      maintainAspectRatio: false,
      scales: {
        x: { stacked: true },
        counts: { type: "linear", position: "left", beginAtZero: true, display: data.phenomena.length > 0,
          title: { display: true, text: gettext("Observations") } },
        answers: { type: "linear", position: "right", beginAtZero: true, stacked: true, display: data.feedback.length > 0,
          grid: { drawOnChartArea: false }, ticks: { precision: 0 }, title: { display: true, text: gettext("Feedback answers") } }
      }
    }
  });
})();
