/* On narrow screens the header folds its menu behind one button; without JavaScript everything stays visible. */
(function () {
  "use strict";
  var toggle = document.querySelector(".site-header .menu-toggle");
  var menu = document.getElementById("site-menu");
  if (!toggle || !menu) return;
  document.documentElement.classList.add("has-menu-toggle");
  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("is-open", open);
  });
})();
