// Rules & settings pages (no build step): the rule form shows only the chosen action's fields
// (all are shown without JavaScript, each labelled), and the settings' weight sliders renormalise
// to 100% as one moves, with the numbers shown, as the what-if sliders do.
(function () {
  "use strict";

  function syncActions() {
    var select = document.querySelector("select[name=a_action]");
    if (!select) return;
    document.querySelectorAll(".action-field").forEach(function (el) {
      el.hidden = (" " + el.dataset.forActions + " ").indexOf(" " + select.value + " ") === -1;
    });
  }

  function renormalise(moved) {
    var sliders = Array.prototype.slice.call(moved.closest("fieldset").querySelectorAll("input[type=range]"));
    var others = sliders.filter(function (s) { return s !== moved; });
    var rest = 100 - (parseInt(moved.value, 10) || 0);
    var sum = others.reduce(function (acc, s) { return acc + (parseInt(s.value, 10) || 0); }, 0);
    others.forEach(function (s) {
      var share = sum > 0 ? (parseInt(s.value, 10) || 0) / sum : 1 / others.length;
      s.value = Math.round(rest * share);
    });
    var total = sliders.reduce(function (acc, s) { return acc + parseInt(s.value, 10); }, 0);
    if (total !== 100 && others.length) {
      var biggest = others.reduce(function (a, b) { return parseInt(a.value, 10) >= parseInt(b.value, 10) ? a : b; });
      biggest.value = parseInt(biggest.value, 10) + (100 - total);
    }
    sliders.forEach(function (s) {
      var out = s.parentNode.querySelector("output");
      if (out) out.textContent = s.value + "%";
    });
  }

  document.addEventListener("change", function (evt) { if (evt.target.name === "a_action") syncActions(); });
  document.addEventListener("input", function (evt) {
    if (evt.target.matches("fieldset.settings-weights input[type=range]")) renormalise(evt.target);
  });
  document.addEventListener("htmx:afterSwap", syncActions);
  syncActions();
})();
