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

  function renormalise(moved) { window.Switchboard.renormalise(moved); }  // one for every page: app.js

  document.addEventListener("change", function (evt) { if (evt.target.name === "a_action") syncActions(); });
  document.addEventListener("input", function (evt) {
    if (evt.target.matches("fieldset.settings-weights input[type=range]")) renormalise(evt.target);
  });
  document.addEventListener("htmx:afterSwap", syncActions);
  syncActions();
})();
