// The report's print button; a file, not an onclick attribute, because the Content-Security-Policy forbids inline handlers.
(function () {
  var button = document.getElementById("print-report");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
