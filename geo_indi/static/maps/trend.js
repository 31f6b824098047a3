// Monthly trend chart; the same numbers are in the table beside it.
(function () {
  var source = document.getElementById("trend-data");
  var canvas = document.getElementById("trend-chart");
  if (!source || !canvas || typeof Chart === "undefined") return;
  var d = JSON.parse(source.textContent);
  var print = window.matchMedia && window.matchMedia("print").matches;
  new Chart(canvas, {
    type: "line",
    data: {
      labels: d.labels,
      datasets: [
        // Suppressed months are null: drawn as gaps, never as a number.
        {label: d.weakensLabel, data: d.weakens, borderColor: "#b2182b", backgroundColor: "#b2182b", pointStyle: "triangle", pointRadius: 5, spanGaps: false},
        {label: d.strengthensLabel, data: d.strengthens, borderColor: "#2166ac", backgroundColor: "#2166ac", borderDash: [6, 4], pointStyle: "rect", pointRadius: 5, spanGaps: false}
      ]
    },
    options: {animation: !print, maintainAspectRatio: false, scales: {y: {beginAtZero: true, ticks: {precision: 0}}},
              plugins: {legend: {labels: {font: {size: 16}, usePointStyle: true}}}}
  });
})();
