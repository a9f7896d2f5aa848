// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Phone menu: closed behind the "Menu" button on narrow screens, always open on wide ones.
  var toggle = document.querySelector("[data-menu-toggle]");
  var nav = document.getElementById("menu-principal");
  if (toggle && nav) {
    var narrow = window.matchMedia("(max-width: 47.99em)");
    var setOpen = function (open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("main-nav--closed", !open);
    };
    var sync = function () {
      toggle.hidden = !narrow.matches;
      setOpen(!narrow.matches);
    };
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && narrow.matches && toggle.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        toggle.focus();
      }
    });
    narrow.addEventListener("change", sync);
    sync();
  }

  // A table wider than the screen scrolls inside its box: make that box reachable with the
  // keyboard (arrow keys scroll it), name it after its section, and show a shadow hint.
  var wraps = document.querySelectorAll(".table-wrap");
  var markScrolling = function () {
    Array.prototype.forEach.call(wraps, function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      wrap.classList.toggle("table-wrap--scrolls", scrolls);
      if (scrolls) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        var section = wrap.closest("[aria-labelledby]");
        if (section && !wrap.hasAttribute("aria-labelledby")) {
          wrap.setAttribute("aria-labelledby", section.getAttribute("aria-labelledby"));
        }
      } else {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
      }
    });
  };
  if (wraps.length) {
    markScrolling();
    window.addEventListener("resize", markScrolling);
  }
})();
