// Skills matrix: one form for the whole table; a changed cell is saved at once through the
// cell's URL (skills:level), so the page carries no form per cell. Without JavaScript the
// form's "Save changes" button posts every cell and the server saves those that changed.
(function () {
  "use strict";
  var form = document.querySelector("form.matrix-form");
  if (!form) return;
  var token = form.querySelector("[name=csrfmiddlewaretoken]").value;

  form.addEventListener("change", function (evt) {
    var select = evt.target;
    var match = /^c-(\d+)-(\d+)$/.exec(select.name || "");
    if (!match) return;
    var cell = select.closest("td");
    var url = form.dataset.cellUrl.replace("/0/0/", "/" + match[1] + "/" + match[2] + "/");
    var body = new URLSearchParams({ level: select.value });
    cell.classList.remove("is-saved", "is-error");
    fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": token, "HX-Request": "true" },
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      cell.className = "cell lvl-" + (select.value || "none") + " is-saved";
    }).catch(function (err) {
      cell.classList.add("is-error");
      if (window.Switchboard) window.Switchboard.toast("Not saved (" + err.message + ")", "error");
    });
  });
})();
