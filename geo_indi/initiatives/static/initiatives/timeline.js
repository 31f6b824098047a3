/* Marks each initiative's start and review years on the charts of its phenomena
   (indicators/municipality.js draws them first). The same dates are in the timeline list. */
(function () {
  "use strict";
  var source = document.getElementById("initiative-chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var initiatives = JSON.parse(source.textContent);
  initiatives.forEach(function (initiative) {
    initiative.phenomena.forEach(function (pid) {
      var section = document.querySelector("section[aria-labelledby='ph-" + pid + "']");
      var canvas = section && section.querySelector("canvas");
      var chart = canvas && Chart.getChart(canvas);
      if (!chart) { return; }
      var labels = chart.data.labels;
      var points = labels.map(function (year) {
        return initiative.events.some(function (ev) { return ev.year === year; }) ? 0 : null;
      });
      chart.data.datasets.push({
        type: "line", label: gettext("Initiative") + ": " + initiative.title, data: points, yAxisID: "counts",
        showLine: false, pointStyle: "triangle", pointRadius: 9, borderColor: "#1d6b2f", backgroundColor: "#1d6b2f"
      });
      chart.update();
    });
  });
})();
