/* Draws one chart per phenomenon: observation counts as bars (left axis), linked
   indicator values as lines (right axis). Suppressed counts are left out of the
   chart (the table shows "<k"). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("indicator-chart-data").textContent);
  if (typeof Chart === "undefined") { return; }
  var dashes = [[], [6, 4], [2, 3], [10, 3, 2, 3]];
  data.forEach(function (row, i) {
    var canvas = document.getElementById("chart-" + i);
    if (!canvas) { return; }
    var datasets = [{
      type: "bar", label: gettext("Observations"), data: row.counts, yAxisID: "counts",
      backgroundColor: "rgba(11, 79, 138, 0.6)", borderColor: "#0b4f8a", borderWidth: 1
    }];
    row.indicators.forEach(function (s, j) {
      datasets.push({
        type: "line", label: s.title + (s.unit ? " (" + s.unit + ")" : ""), data: s.values, yAxisID: "values",
        borderColor: "#8a3b0b", backgroundColor: "#8a3b0b", borderDash: dashes[j % dashes.length],
        pointStyle: ["circle", "rect", "triangle", "rectRot"][j % 4], pointRadius: 5, spanGaps: true
      });
    });
    new Chart(canvas, {
      data: { labels: row.years, datasets: datasets },
      options: {
        maintainAspectRatio: false,
        scales: {
          counts: { type: "linear", position: "left", beginAtZero: true, title: { display: true, text: gettext("Observations") } },
          values: { type: "linear", position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: gettext("Indicator value") } }
        }
      }
    });
  });
})();
