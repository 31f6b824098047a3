/* On narrow screens the header folds its menu behind one button; without JavaScript everything stays visible.
   Logging out forgets the field app's copy of the user's saved list (never the queue of unsent records). */
(function () {
  "use strict";
  var logout = document.querySelector(".site-header .logout-form");
  if (logout) {
    logout.addEventListener("submit", function () {
      try {
        Object.keys(localStorage).filter(function (key) { return key.indexOf("geo-indi-field-mine:") === 0; })
          .forEach(function (key) { localStorage.removeItem(key); });
      } catch (e) { /* storage blocked: nothing was kept */ }
    });
  }
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
