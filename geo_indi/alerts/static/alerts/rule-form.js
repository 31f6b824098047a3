/* Alert rule form: show only the limit fields the chosen condition uses. Without JavaScript all are shown. */
(function () {
  "use strict";
  var data = document.getElementById("condition-fields");
  var condition = document.getElementById("id_condition");
  if (!data || !condition) return;
  var used = JSON.parse(data.textContent);
  var limitFields = [];
  Object.keys(used).forEach(function (key) {
    used[key].forEach(function (name) { if (limitFields.indexOf(name) < 0) limitFields.push(name); });
  });
  function sync() {
    var shown = used[condition.value] || limitFields;
    limitFields.forEach(function (name) {
      var row = document.querySelector('.form-row[data-field="' + name + '"]');
      if (row) row.hidden = shown.indexOf(name) < 0;
    });
  }
  condition.addEventListener("change", sync);
  sync();
})();
