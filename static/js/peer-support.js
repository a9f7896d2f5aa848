// Peer-support forms on a phone: a field that only matters after a given answer (the
// words of a free goal, the reason of a refusal, what was explained about research) is
// shown only once that answer is chosen. Progressive enhancement: without this file
// every field is simply shown. A field with an error or with something typed in it is
// never hidden: nothing typed disappears from sight.
(function () {
  "use strict";

  var blocks = document.querySelectorAll("[data-show-when]");
  if (!blocks.length) return;
  var some = function (list, test) { return Array.prototype.some.call(list, test); };

  function chosen(form, name, value) {
    return some(form.querySelectorAll('[name="' + name + '"]'), function (input) {
      if (input.type === "radio" || input.type === "checkbox") {
        return input.checked && input.value === value;
      }
      return input.value === value;
    });
  }

  function holdsSomething(block) {
    if (block.querySelector(".field--error, .field__errors")) return true;
    return some(block.querySelectorAll("input:not([type=hidden]), textarea"), function (input) {
      return input.value.trim() !== "";
    });
  }

  function update() {
    Array.prototype.forEach.call(blocks, function (block) {
      var rule = block.getAttribute("data-show-when").split("=");
      var form = block.closest("form");
      if (!form) return;
      block.hidden = !(chosen(form, rule[0], rule[1]) || holdsSomething(block));
    });
  }

  document.addEventListener("change", update);
  update();
})();
