/* The ask form (/questions/) and the initiative form (/initiatives/new/): the options box only for a choice question; only the chosen
   municipality's postcode areas. Without JavaScript every part stays visible and the server decides. */
(function () {
  "use strict";
  var form = document.getElementById("ask-form") || document.getElementById("initiative-form");
  if (!form) { return; }
  var kind = form.querySelector("[name=kind]");
  var optionsRow = form.querySelector("[data-field=options]");
  var municipality = form.querySelector("[name=municipality]");
  var groups = form.querySelectorAll(".area-group");

  function syncKind() {
    if (kind && optionsRow) { optionsRow.hidden = kind.value !== "choice"; }
  }
  function syncAreas() {
    if (!municipality) { return; }
    groups.forEach(function (group) {
      var shown = group.dataset.municipality === municipality.value;
      group.hidden = !shown;
      // an area of another municipality must not stay ticked out of sight
      if (!shown) { group.querySelectorAll("input:checked").forEach(function (box) { box.checked = false; }); }
    });
    var row = form.querySelector("[data-field=postcode_areas]");
    if (row) { row.hidden = !municipality.value; }
  }
  if (kind) { kind.addEventListener("change", syncKind); }
  if (municipality) { municipality.addEventListener("change", syncAreas); }
  syncKind();
  syncAreas();
})();
