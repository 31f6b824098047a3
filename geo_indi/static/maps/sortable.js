// Sortable tables: every table[data-sortable] gets a button in each column header; aria-sort says the order.
// A cell's data-sort attribute (a number, or empty for a hidden count) is used before its text.
// The first click sorts ascending, or descending where the header says data-sort-first="descending"
// (a change column: the largest first); each further click reverses the order.
(function () {
  function key(cell) {
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    var number = raw === "" ? NaN : Number(raw.replace(/\s/g, "").replace(",", ".").replace("−", "-"));
    return {empty: raw === "" || raw === ".." || raw === "–", number: number, text: raw};
  }

  function compare(a, b, numeric) {
    if (a.empty !== b.empty) return a.empty ? 1 : -1;  // hidden and empty cells stay at the end
    if (numeric) return a.number - b.number;
    return a.text.localeCompare(b.text, document.documentElement.lang || undefined, {numeric: true});
  }

  function sortBy(table, index, header) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var current = header.getAttribute("aria-sort");
    var ascending = current ? current !== "ascending" : header.getAttribute("data-sort-first") !== "descending";
    var keys = rows.map(function (row) { return key(row.cells[index]); });
    var numeric = keys.every(function (k) { return k.empty || !isNaN(k.number); });
    var order = rows.map(function (row, i) { return i; });
    order.sort(function (i, j) {
      var c = compare(keys[i], keys[j], numeric);
      if (keys[i].empty || keys[j].empty) return c;
      return ascending ? c : -c;
    });
    order.forEach(function (i) { body.appendChild(rows[i]); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  Array.prototype.forEach.call(document.querySelectorAll("table[data-sortable]"), function (table) {
    if (!table.tHead || !table.tBodies.length) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, index, th); });
    });
  });
})();
