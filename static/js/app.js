// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  var toggle = document.querySelector("[data-menu-toggle]");
  var nav = document.getElementById("menu-principal");
  if (!toggle || !nav) {
    return;
  }
  var narrow = window.matchMedia("(max-width: 47.99em)");
  function setOpen(open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("main-nav--closed", !open);
  }
  function sync() {
    toggle.hidden = !narrow.matches;
    setOpen(!narrow.matches);
  }
  toggle.addEventListener("click", function () {
    setOpen(toggle.getAttribute("aria-expanded") !== "true");
  });
  narrow.addEventListener("change", sync);
  sync();
})();
